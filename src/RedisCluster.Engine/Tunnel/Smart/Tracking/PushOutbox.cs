using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// Invalidation messages on their way to one application. They arrive from the nodes at any time; an idle client
    /// gets them at once, a client whose commands are running gets them after that batch's replies (what its own
    /// writes invalidate comes after their replies, as on one server), and the session writes those that came in
    /// before its batch started ahead of the batch's replies.
    /// </summary>
    internal sealed class PushOutbox
    {
        /// <summary>Redis's hard output limit for pub/sub clients: a client that does not read is not kept forever.</summary>
        private const long MaxQueuedBytes = 32L * 1024 * 1024;

        private readonly object _lock = new object();
        private readonly SmartClientWrites _writes;
        private readonly Action<string> _overflow;
        private GrowableBuffer _queued = new GrowableBuffer(256);
        private PipeWriter? _writer;
        private CancellationToken _abort;
        private bool _held;
        private bool _flushing;

        /// <param name="overflow">Closes the client, with the reason, when it lets too much pile up.</param>
        public PushOutbox(SmartClientWrites writes, Action<string> overflow)
        {
            _writes = writes;
            _overflow = overflow;
        }

        /// <summary>Starts delivery to the client's writer (until then messages wait).</summary>
        public void Attach(PipeWriter writer, CancellationToken abort)
        {
            lock (_lock)
            {
                _writer = writer;
                _abort = abort;
            }

            StartFlushIfDue();
        }

        /// <summary>Queues one message, already in the protocol the client speaks.</summary>
        public void Add(RespValue message, int protocol)
        {
            bool overflow;
            lock (_lock)
            {
                RespWriter.WriteValue(_queued, message, protocol);
                overflow = _queued.WrittenCount > MaxQueuedBytes;
                if (overflow)
                {
                    _queued = new GrowableBuffer(256);
                }
            }

            if (overflow)
            {
                _overflow("it did not read its invalidation messages (over " + (MaxQueuedBytes >> 20) + " MB waiting)");
                return;
            }

            StartFlushIfDue();
        }

        /// <summary>The client's commands are running: messages wait for their replies.</summary>
        public void Hold()
        {
            lock (_lock)
            {
                _held = true;
            }
        }

        /// <summary>The replies are out: what waited goes now.</summary>
        public void Release()
        {
            lock (_lock)
            {
                _held = false;
            }

            StartFlushIfDue();
        }

        /// <summary>Everything queued, as one write; null when nothing is.</summary>
        public byte[]? TakeAll()
        {
            lock (_lock)
            {
                if (_queued.WrittenCount == 0)
                {
                    return null;
                }

                byte[] frames = _queued.ToArray();
                _queued.Clear(64 * 1024);
                return frames;
            }
        }

        private void StartFlushIfDue()
        {
            lock (_lock)
            {
                if (_held || _flushing || _writer == null || _queued.WrittenCount == 0)
                {
                    return;
                }

                _flushing = true;
            }

            _ = FlushAsync();
        }

        private async Task FlushAsync()
        {
            while (true)
            {
                PipeWriter writer;
                CancellationToken abort;
                lock (_lock)
                {
                    if (_held || _queued.WrittenCount == 0)
                    {
                        _flushing = false;
                        return;
                    }

                    writer = _writer!;
                    abort = _abort;
                }

                try
                {
                    await _writes.WritePushesAsync(writer, this, abort).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException)
                {
                    // The client went away; its session ends and nothing more is delivered.
                    lock (_lock)
                    {
                        _flushing = false;
                        _writer = null;
                    }

                    return;
                }
            }
        }
    }
}
