using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// The scripts of a client that tracks keys in the default mode. Redis tracks a script's declared keys only when
    /// the script called a read command, which only the node knows; so these scripts run on connections of the
    /// client's own, with tracking on in the client's modes, and the node's invalidations for them go to the client.
    /// </summary>
    internal sealed class TrackedScripts : IDisposable
    {
        private readonly SmartBackend _backend;
        private readonly TunnelContext _context;
        private readonly SmartClientState _client;
        private readonly Dictionary<RedisEndpoint, RedisConnection> _connections = new Dictionary<RedisEndpoint, RedisConnection>();
        private readonly HashSet<RedisConnection> _closing = new HashSet<RedisConnection>();
        private int _generation = -1;

        public TrackedScripts(SmartBackend backend, TunnelContext context, SmartClientState client)
        {
            _backend = backend;
            _context = context;
            _client = client;
        }

        /// <summary>Whether <paramref name="name"/> runs here: a script with keys, while the client tracks in the default mode.</summary>
        public bool Takes(string name, byte[][] args)
            => _client.Tracking.IsOn && !_client.Tracking.IsBcast && SmartBusyNodes.IsScript(name) && args.Length > 2 && !(args[2].Length == 1 && args[2][0] == (byte)'0');

        /// <summary>Runs the script on the client's tracked connection to its keys' primary; retried only when it certainly did not run.</summary>
        public async Task<RespValue> RunAsync(RedisCommand command, CancellationToken cancellationToken)
        {
            KeyExtraction extraction = _backend.Cluster.Commands.GetKeys(command);
            if (extraction.KeyIndices.Count == 0)
            {
                return RespValue.Error("ERR tunnel: the script's keys could not be found");
            }

            int slot = HashSlot.GetSlot(command.Arguments[extraction.KeyIndices[0]].Span);
            return await SmartOwnerAttempts.RunAsync(_backend, slot, owner => ConnectionAsync(owner, cancellationToken), Close, async connection =>
            {
                var commands = new List<RedisCommand>(2);
                ClientTracking tracking = _client.Tracking;
                if (tracking.CachingGiven)
                {
                    commands.Add(RedisCommand.Create("CLIENT", "CACHING", tracking.Flags.HasFlag(TrackingFlags.OptIn) ? "YES" : "NO"));
                }

                commands.Add(command);
                RedisReply[] replies = await connection.ExecuteBatchAsync(commands, cancellationToken).ConfigureAwait(false);
                return replies[replies.Length - 1].Value;
            }, cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            lock (_connections)
            {
                // Closed on purpose (tracking turned off or on again, or the client left): nothing was missed.
                foreach (RedisConnection connection in _connections.Values)
                {
                    _closing.Add(connection);
                    QuietCleanup.Dispose(connection);
                }

                _connections.Clear();
            }
        }


        /// <summary>The tracked connection to <paramref name="node"/>, opened with the client's current tracking options.</summary>
        private async Task<RedisConnection> ConnectionAsync(RedisEndpoint node, CancellationToken cancellationToken)
        {
            ClientTracking tracking = _client.Tracking;
            if (tracking.Generation != _generation)
            {
                // Tracking was turned off or on again: what the old connections tracked belongs to the old settings.
                Dispose();
                _generation = tracking.Generation;
            }

            lock (_connections)
            {
                if (_connections.TryGetValue(node, out RedisConnection? open) && open.IsConnected)
                {
                    return open;
                }
            }

            RedisConnection connection = await _backend.Links.OpenDedicatedAsync(node, cancellationToken).ConfigureAwait(false);
            connection.PushReceived += (_, push) => OnPush(push);
            connection.Broken += (broken, why) => OnBroken(broken);
            var on = new List<string> { "CLIENT", "TRACKING", "ON" };
            TrackingFlags flags = tracking.Flags;
            if (flags.HasFlag(TrackingFlags.OptIn))
            {
                on.Add("OPTIN");
            }

            if (flags.HasFlag(TrackingFlags.OptOut))
            {
                on.Add("OPTOUT");
            }

            if (flags.HasFlag(TrackingFlags.NoLoop))
            {
                on.Add("NOLOOP");
            }

            RespValue reply = await connection.ExecuteAsync(RedisCommand.Create(on.ToArray()), cancellationToken).ConfigureAwait(false);
            if (reply.IsError)
            {
                QuietCleanup.Dispose(connection);
                throw new RedisConnectionException(node.ToString(), "The node refused CLIENT TRACKING: " + reply.GetString());
            }

            _context.Statistics.UpstreamOpened();
            lock (_connections)
            {
                _connections[node] = connection;
            }

            return connection;
        }

        private void OnPush(RespValue push)
        {
            if (push.Items.Count == 2 && push.Items[0].GetString() == "invalidate" && _client.Tracking.IsOn && !_client.Tracking.IsBcast)
            {
                _backend.Tracking.Deliver(_client, push.Items[1]);
            }
        }

        private void OnBroken(RedisConnection broken)
        {
            _context.Statistics.UpstreamClosed();
            bool closedOnPurpose;
            lock (_connections)
            {
                closedOnPurpose = _closing.Remove(broken);
            }

            if (!closedOnPurpose && _client.Tracking.IsOn && !_client.Tracking.IsBcast)
            {
                // What the node tracked for the client's scripts is no longer watched: the client drops everything.
                _backend.Tracking.Deliver(_client, RespValue.NullBulkString);
            }
        }

        private void Close(RedisEndpoint node)
        {
            lock (_connections)
            {
                if (_connections.TryGetValue(node, out RedisConnection? connection))
                {
                    // It failed mid-command: what it tracked is no longer watched, so Broken tells the client.
                    _connections.Remove(node);
                    QuietCleanup.Dispose(connection);
                }
            }
        }
    }
}
