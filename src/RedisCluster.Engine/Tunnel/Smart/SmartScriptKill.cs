using System;
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
    /// SCRIPT KILL and FUNCTION KILL through the smart tunnel. The shared connection to a node that runs a
    /// long script may be the one the script came on, so a kill queued there would wait for the very script
    /// it is meant to stop: each primary gets the command on a connection of its own, opened for it, and
    /// the answer is a single server's (OK when some node stopped a script). On one server a kill that comes
    /// after a script cannot miss it; through the tunnel the script may still be on its way to its node (the
    /// application's batch runs something before it, or the machine is loaded), so while an application's
    /// EVAL or FCALL is in flight a NOTBUSY is asked again, within <see cref="InFlightLimit"/>.
    /// </summary>
    internal static class SmartScriptKill
    {
        /// <summary>The longest a kill waits for a script in flight to start (Redis's default busy-reply-threshold is 5 s).</summary>
        private static readonly TimeSpan InFlightLimit = TimeSpan.FromSeconds(10);

        private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(20);

        /// <summary>True for SCRIPT KILL and FUNCTION KILL.</summary>
        public static bool IsKill(string name, byte[][] args)
            => (name == "SCRIPT" || name == "FUNCTION") && args.Length == 2 && CommandNames.Of(args[1]) == "KILL";

        /// <param name="ownBatches">1 when the caller's own batch runs a script (counted in flight, but before this kill), else 0.</param>
        public static async Task<RespValue> RunAsync(SmartBackend backend, byte[][] args, int ownBatches, CancellationToken cancellationToken)
        {
            var command = RedisCommand.Create(args);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            RespValue combined = await KillEverywhereAsync(backend, command, cancellationToken).ConfigureAwait(false);
            while (ErrorReplyClassifier.Classify(combined) == ErrorReplyKind.NotBusy && backend.Busy.ScriptBatchesInFlight > ownBatches && clock.Elapsed < InFlightLimit)
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                combined = await KillEverywhereAsync(backend, command, cancellationToken).ConfigureAwait(false);
            }

            if (!combined.IsError)
            {
                // The script stops at its next hook; commands then are answered, not refused.
                backend.Busy.Forget();
            }

            return combined;
        }

        private static async Task<RespValue> KillEverywhereAsync(SmartBackend backend, RedisCommand command, CancellationToken cancellationToken)
        {
            IReadOnlyList<RedisEndpoint> primaries = backend.Cluster.GetPrimaryEndpoints();
            var replies = new Task<RespValue>[primaries.Count];
            for (int p = 0; p < primaries.Count; p++)
            {
                replies[p] = KillOnAsync(backend, primaries[p], command, cancellationToken);
            }

            await Task.WhenAll(replies).ConfigureAwait(false);
            return Combine(replies);
        }

        private static async Task<RespValue> KillOnAsync(SmartBackend backend, RedisEndpoint endpoint, RedisCommand command, CancellationToken cancellationToken)
        {
            try
            {
                using (RedisConnection connection = await backend.Links.OpenDedicatedAsync(endpoint, cancellationToken).ConfigureAwait(false))
                {
                    return await connection.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RedisException ex)
            {
                return RespValue.Error("ERR tunnel: " + command.Name + " could not reach " + endpoint + ": " + ErrorLines.OneLine(ex.Message));
            }
        }

        /// <summary>OK when a node stopped a script; else the most telling error (UNKILLABLE before NOTBUSY).</summary>
        private static RespValue Combine(Task<RespValue>[] replies)
        {
            RespValue? chosen = null;
            foreach (Task<RespValue> task in replies)
            {
                RespValue reply = task.Result;
                if (!reply.IsError)
                {
                    return reply;
                }

                if (chosen == null || (ErrorReplyClassifier.Classify(chosen) == ErrorReplyKind.NotBusy && ErrorReplyClassifier.Classify(reply) != ErrorReplyKind.NotBusy))
                {
                    chosen = reply;
                }
            }

            return chosen ?? RespValue.Error("NOTBUSY No scripts in execution right now.");
        }
    }
}
