using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel
{
    /// <summary>
    /// The commands of one read of a smart client while they run, and their replies by position. A
    /// command runs one of three ways: relayed (single-slot, its reply passed through as bytes), pinned (to
    /// the connection that holds a WATCH) or through the shared cluster router. At most one of the three
    /// queues holds commands at a time: before a command joins one, the others run, so the commands run in
    /// the client's order.
    /// </summary>
    internal sealed class SmartBatch : IRawReplySink
    {
        private readonly byte[]?[] _raw;
        private readonly bool[] _retry;
        private readonly List<RedisConnection> _links = new List<RedisConnection>(4);
        private int _outstanding;
        private TaskCompletionSource<bool>? _waiter;

        public SmartBatch(int count)
        {
            Replies = new RespValue?[count];
            Protocols = new int[count];
            Names = new string[count];
            _raw = new byte[count][];
            _retry = new bool[count];
        }

        /// <summary>Replies given as values (answered locally, by the router or by the pinned connection).</summary>
        public RespValue?[] Replies { get; }

        /// <summary>The protocol each reply is written in (HELLO switches it for what follows).</summary>
        public int[] Protocols { get; }

        public string[] Names { get; }

        /// <summary>For each EXEC, its block: its replies take those commands' shapes.</summary>
        public List<RedisCommand>?[]? Transactions { get; set; }

        public List<RedisCommand> Shared { get; } = new List<RedisCommand>();

        /// <summary>Position of each shared command's reply; -1 for the MULTI and queued commands of a block, whose replies are EXEC's.</summary>
        public List<int> SharedAt { get; } = new List<int>();

        public List<RedisCommand> Pinned { get; } = new List<RedisCommand>();

        public List<int> PinnedAt { get; } = new List<int>();

        public List<RedisCommand> Relayed { get; } = new List<RedisCommand>();

        public List<int> RelayedAt { get; } = new List<int>();

        /// <summary>The relayed reply at <paramref name="index"/>, as bytes in the protocol it was sent in; null when it has a value instead.</summary>
        public byte[]? RawReply(int index) => _raw[index];

        /// <summary>True when the relayed command at <paramref name="index"/> got a redirect or lost its connection and must run through the router.</summary>
        public bool NeedsRetry(int index) => _retry[index];

        /// <summary>Queues <paramref name="command"/> on <paramref name="link"/>; its reply comes back to this batch.</summary>
        public void Relay(RedisConnection link, RedisCommand command, int index)
        {
            Relayed.Add(command);
            RelayedAt.Add(index);
            if (!_links.Contains(link))
            {
                _links.Add(link);
            }

            Interlocked.Increment(ref _outstanding);
            try
            {
                link.Queue(command, this, index);
            }
            catch (Errors.RedisConnectionException ex)
            {
                OnFailure(index, ex);
            }
        }

        /// <summary>Sends the relayed commands and completes when every one has its reply (or its failure).</summary>
        public Task WhenRelayedAsync()
        {
            foreach (RedisConnection link in _links)
            {
                link.SendQueued();
            }

            _links.Clear();
            if (Volatile.Read(ref _outstanding) == 0)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _waiter, waiter);

            // The last reply may have come before the waiter was there to be told.
            if (Volatile.Read(ref _outstanding) == 0)
            {
                waiter.TrySetResult(true);
            }

            return waiter.Task;
        }

        public void OnReply(int tag, ReadOnlySequence<byte> reply)
        {
            if (IsRedirect(reply))
            {
                // The router follows the slot (and refreshes the topology); the client never sees the redirect.
                _retry[tag] = true;
            }
            else
            {
                _raw[tag] = reply.ToArray();
            }

            Replied();
        }

        public void OnFailure(int tag, Exception error)
        {
            _retry[tag] = true;
            Replied();
        }

        private void Replied()
        {
            if (Interlocked.Decrement(ref _outstanding) == 0)
            {
                Volatile.Read(ref _waiter)?.TrySetResult(true);
            }
        }

        /// <summary>The errors the router acts on: MOVED, ASK, TRYAGAIN, CLUSTERDOWN, MASTERDOWN.</summary>
        private static bool IsRedirect(ReadOnlySequence<byte> reply)
        {
            ReadOnlySpan<byte> head = reply.First.Span;
            if (head.Length < 4 || head[0] != (byte)'-')
            {
                return false;
            }

            Span<byte> word = stackalloc byte[12];
            int length = (int)Math.Min(word.Length, reply.Length - 1);
            reply.Slice(1, length).CopyTo(word);
            word = word.Slice(0, length);
            return StartsWith(word, "MOVED ") || StartsWith(word, "ASK ") || StartsWith(word, "TRYAGAIN")
                || StartsWith(word, "CLUSTERDOWN") || StartsWith(word, "MASTERDOWN");
        }

        private static bool StartsWith(ReadOnlySpan<byte> text, string prefix)
        {
            if (text.Length < prefix.Length)
            {
                return false;
            }

            for (int i = 0; i < prefix.Length; i++)
            {
                if (text[i] != (byte)prefix[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
