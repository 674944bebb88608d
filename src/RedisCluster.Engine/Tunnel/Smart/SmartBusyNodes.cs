using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Whether a primary is busy with a script or function past its busy-reply-threshold, so that the smart
    /// tunnel answers like one busy server: BUSY to every command Redis does not allow then (PING included),
    /// a transaction being queued fails, and an EXEC discards it. Without this, another client's command
    /// sent over the shared connection that carries the script waits behind it and runs after a SCRIPT KILL,
    /// where Redis would have refused it. Only while some client's script is in flight is anything probed: a
    /// PING per primary over a connection of this watcher's own, which a server answers BUSY (past the
    /// threshold) or PONG (once the script is over).
    /// </summary>
    internal sealed class SmartBusyNodes : IDisposable
    {
        /// <summary>How long a script runs before anyone looks: most scripts are over long before.</summary>
        private const int GraceMs = 20;

        /// <summary>Pause between a node's probes while scripts run there.</summary>
        private const int IntervalMs = 20;

        private static readonly RedisCommand Ping = RedisCommand.Create("PING");

        private readonly SmartBackend _backend;
        private readonly IRedisLog _log;
        private readonly object _gate = new object();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Dictionary<RedisEndpoint, RespValue> _busy = new Dictionary<RedisEndpoint, RespValue>();
        private int _scripts;
        private bool _probing;

        /// <summary>Moves on at every kill: a probe answer sent before it may describe the script it stopped.</summary>
        private int _kills;

        public SmartBusyNodes(SmartBackend backend, IRedisLog log)
        {
            _backend = backend;
            _log = log;
        }

        /// <summary>
        /// Marks a client's batch as running a script (an EVAL or FCALL among <paramref name="commands"/> or
        /// the transaction <paramref name="queued"/> it may execute) until the returned scope ends; null when
        /// there is none, which costs nothing more.
        /// </summary>
        public IDisposable? Track(IReadOnlyList<byte[][]> commands, IReadOnlyList<RedisCommand>? queued)
        {
            bool script = false;
            for (int i = 0; i < commands.Count && !script; i++)
            {
                script = IsScript(commands[i][0]);
            }

            for (int i = 0; queued != null && i < queued.Count && !script; i++)
            {
                script = IsScript(queued[i].Name);
            }

            if (!script)
            {
                return null;
            }

            lock (_gate)
            {
                _scripts++;
                if (!_probing && !_stop.IsCancellationRequested)
                {
                    _probing = true;
                    _ = Task.Run(ProbeAsync);
                }
            }

            return new Scope(this);
        }

        /// <summary>
        /// The BUSY error a busy server gives <paramref name="name"/> now; null when no primary is known to be
        /// busy or Redis lets the command through anyway (its allow-busy commands).
        /// </summary>
        public RespValue? Refusal(string name, byte[][] args)
        {
            if (Volatile.Read(ref _scripts) == 0)
            {
                return null;
            }

            RespValue? busy;
            lock (_gate)
            {
                using (Dictionary<RedisEndpoint, RespValue>.ValueCollection.Enumerator first = _busy.Values.GetEnumerator())
                {
                    busy = first.MoveNext() ? first.Current : null;
                }
            }

            return busy == null || AllowedWhileBusy(name, args) ? null : busy;
        }

        /// <summary>The applications' batches with an EVAL or FCALL (or a transaction with one) not yet answered.</summary>
        public int ScriptBatchesInFlight => Volatile.Read(ref _scripts);

        /// <summary>
        /// A SCRIPT KILL or FUNCTION KILL stopped a script. The script ends at its next hook, a moment after the OK,
        /// and a command that reached the node before then would still get BUSY: so what the nodes said before the
        /// kill is no longer taken, and the tunnel says BUSY until a probe sent after the kill finds the node free
        /// (or the script's own reply arrives).
        /// </summary>
        public void Forget()
        {
            lock (_gate)
            {
                _kills++;
            }
        }

        /// <summary>EXEC on a busy server: Redis discards the transaction and says why.</summary>
        public static RespValue ExecAborted(RespValue busy) => RespValue.Error("EXECABORT Transaction discarded because of: " + busy.GetString());

        public void Dispose() => QuietCleanup.Cancel(_stop);

        /// <summary>The commands Redis 7 flags allow-busy: connection and transaction state, and the ways out of a busy script.</summary>
        private static bool AllowedWhileBusy(string name, byte[][] args)
        {
            switch (name)
            {
                case "AUTH":
                case "HELLO":
                case "QUIT":
                case "RESET":
                case "MULTI":
                case "DISCARD":
                case "WATCH":
                case "UNWATCH":
                case "SHUTDOWN":
                case "REPLCONF":
                    return true;
                case "SCRIPT":
                case "FUNCTION":
                    string sub = args.Length > 1 ? CommandNames.Of(args[1]) : string.Empty;
                    return sub == "KILL" || (name == "FUNCTION" && sub == "STATS");
                default:
                    return false;
            }
        }

        private static bool IsScript(byte[] name)
        {
            // Cheap first: most commands do not start like EVAL or FCALL.
            if (name.Length < 4 || name.Length > 10 || !(name[0] == 'E' || name[0] == 'e' || name[0] == 'F' || name[0] == 'f'))
            {
                return false;
            }

            return IsScript(CommandNames.Of(name));
        }

        /// <summary>EVAL, EVALSHA, FCALL and their _RO forms: the commands that run a script.</summary>
        internal static bool IsScript(string name)
            => name == "EVAL" || name == "EVALSHA" || name == "EVAL_RO" || name == "EVALSHA_RO" || name == "FCALL" || name == "FCALL_RO";

        private void Ended()
        {
            lock (_gate)
            {
                if (--_scripts == 0)
                {
                    // Whatever was busy was a script of ours, or will be found again if it was not.
                    _busy.Clear();
                }
            }
        }

        /// <summary>
        /// Probes every primary, round after round, while a script is in flight. Rounds, not a loop per node: a
        /// loop that saw no script in flight would end while its neighbours went on for a script that started just
        /// then, and the node that script ran on would never be asked again.
        /// </summary>
        private async Task ProbeAsync()
        {
            var links = new ConcurrentDictionary<RedisEndpoint, RedisConnection>();
            try
            {
                await Task.Delay(GraceMs, _stop.Token).ConfigureAwait(false);
                while (ProbingOn())
                {
                    IReadOnlyList<RedisEndpoint> primaries = _backend.Cluster.GetPrimaryEndpoints();
                    var nodes = new Task[primaries.Count];
                    for (int p = 0; p < primaries.Count; p++)
                    {
                        nodes[p] = ProbeNodeAsync(primaries[p], links);
                    }

                    await Task.WhenAll(nodes).ConfigureAwait(false);
                    await Task.Delay(IntervalMs, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                foreach (RedisConnection link in links.Values)
                {
                    QuietCleanup.Dispose(link);
                }

                lock (_gate)
                {
                    _probing = false;
                    if (_scripts > 0 && !_stop.IsCancellationRequested)
                    {
                        // A script began while the last round was finishing.
                        _probing = true;
                        _ = Task.Run(ProbeAsync);
                    }
                }
            }
        }

        /// <summary>Asks one primary once whether it is busy; its answer is its state until the next round.</summary>
        private async Task ProbeNodeAsync(RedisEndpoint node, ConcurrentDictionary<RedisEndpoint, RedisConnection> links)
        {
            RespValue? busy = null;
            int kills;
            lock (_gate)
            {
                kills = _kills;
            }

            try
            {
                if (!links.TryGetValue(node, out RedisConnection? link))
                {
                    link = await _backend.Links.OpenDedicatedAsync(node, _stop.Token).ConfigureAwait(false);
                    links[node] = link;
                }

                RespValue reply = await link.ExecuteAsync(Ping, _stop.Token).ConfigureAwait(false);
                busy = ErrorReplyClassifier.Classify(reply) == ErrorReplyKind.Busy ? reply : null;
            }
            catch (RedisException ex)
            {
                // Unknown: not reported busy; the router meets whatever the node does.
                _log.Debug("Tunnel: the busy probe of " + node + " failed: " + ErrorLines.OneLine(ex.Message));
                if (links.TryRemove(node, out RedisConnection? broken))
                {
                    QuietCleanup.Dispose(broken);
                }
            }

            lock (_gate)
            {
                if (kills != _kills)
                {
                    // Asked before a kill: the BUSY may be the stopped script's, which must not refuse the next command.
                    return;
                }

                if (busy != null && _scripts > 0)
                {
                    _busy[node] = busy;
                }
                else
                {
                    _busy.Remove(node);
                }
            }
        }

        private bool ProbingOn()
        {
            lock (_gate)
            {
                return _scripts > 0 && !_stop.IsCancellationRequested;
            }
        }

        private sealed class Scope : IDisposable
        {
            private SmartBusyNodes? _owner;

            public Scope(SmartBusyNodes owner) => _owner = owner;

            public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Ended();
        }
    }
}
