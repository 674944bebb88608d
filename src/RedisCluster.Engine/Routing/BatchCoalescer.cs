using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// Merges the batches of many concurrent callers into fewer, larger batches: while a few merged
    /// batches are in flight, new requests queue up and go together in the next one. Under light load a
    /// request goes at once; under heavy load the cost of planning, grouping and flushing is shared.
    /// Each caller's commands stay contiguous and in order, so replies (and MULTI blocks) are unaffected.
    /// </summary>
    /// <typeparam name="TCommand">What a caller's batch holds: commands, or commands with their routes decided.</typeparam>
    public sealed class BatchCoalescer<TCommand>
    {
        private readonly Func<IReadOnlyList<TCommand>, CancellationToken, Task<IReadOnlyList<RedisReply>>> _execute;
        private readonly int _maxInFlight;
        private readonly int _maxCommands;
        private readonly object _gate = new object();
        private Queue<Request> _queue = new Queue<Request>();
        private int _inFlight;

        public BatchCoalescer(Func<IReadOnlyList<TCommand>, CancellationToken, Task<IReadOnlyList<RedisReply>>> execute, int maxInFlight = 4, int maxCommands = 4096)
        {
            _execute = execute;
            _maxInFlight = maxInFlight;
            _maxCommands = maxCommands;
        }

        public Task<IReadOnlyList<RedisReply>> ExecuteAsync(IReadOnlyList<TCommand> commands, CancellationToken cancellationToken)
        {
            var request = new Request(commands);
            bool start;
            lock (_gate)
            {
                _queue.Enqueue(request);
                start = _inFlight < _maxInFlight;
                if (start)
                {
                    _inFlight++;
                }
            }

            if (start)
            {
                _ = Task.Run(PumpAsync);
            }

            if (cancellationToken.CanBeCanceled)
            {
                // The commands may already be on the wire; cancelling only stops this caller waiting.
                CancellationTokenRegistration registration = cancellationToken.Register(() => request.Completion.TrySetCanceled());

                // A long-lived token (a client's session) must not collect one callback per batch.
                _ = request.Completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return request.Completion.Task;
        }

        private async Task PumpAsync()
        {
            while (true)
            {
                var merged = new List<Request>();
                var commands = new List<TCommand>();
                lock (_gate)
                {
                    while (_queue.Count > 0 && (commands.Count == 0 || commands.Count + _queue.Peek().Commands.Count <= _maxCommands))
                    {
                        Request next = _queue.Dequeue();
                        merged.Add(next);
                        commands.AddRange(next.Commands);
                    }

                    if (merged.Count == 0)
                    {
                        _inFlight--;
                        return;
                    }
                }

                try
                {
                    IReadOnlyList<RedisReply> replies = await _execute(commands, CancellationToken.None).ConfigureAwait(false);
                    int offset = 0;
                    foreach (Request request in merged)
                    {
                        var own = new RedisReply[request.Commands.Count];
                        for (int i = 0; i < own.Length; i++)
                        {
                            own[i] = replies[offset + i];
                        }

                        offset += own.Length;
                        request.Completion.TrySetResult(own);
                    }
                }
                catch (Exception ex)
                {
                    foreach (Request request in merged)
                    {
                        request.Completion.TrySetException(ex);
                    }
                }
            }
        }

        private sealed class Request
        {
            public Request(IReadOnlyList<TCommand> commands)
            {
                Commands = commands;
            }

            public IReadOnlyList<TCommand> Commands { get; }

            public TaskCompletionSource<IReadOnlyList<RedisReply>> Completion { get; } =
                new TaskCompletionSource<IReadOnlyList<RedisReply>>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
