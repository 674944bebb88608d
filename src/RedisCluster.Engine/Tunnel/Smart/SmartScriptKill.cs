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
    /// the answer is a single server's (OK when some node stopped a script).
    /// </summary>
    internal static class SmartScriptKill
    {
        /// <summary>True for SCRIPT KILL and FUNCTION KILL.</summary>
        public static bool IsKill(string name, byte[][] args)
            => (name == "SCRIPT" || name == "FUNCTION") && args.Length == 2 && CommandNames.Of(args[1]) == "KILL";

        public static async Task<RespValue> RunAsync(SmartBackend backend, byte[][] args, CancellationToken cancellationToken)
        {
            var command = RedisCommand.Create(args);
            IReadOnlyList<RedisEndpoint> primaries = backend.Cluster.GetPrimaryEndpoints();
            var replies = new Task<RespValue>[primaries.Count];
            for (int p = 0; p < primaries.Count; p++)
            {
                replies[p] = KillOnAsync(backend, primaries[p], command, cancellationToken);
            }

            await Task.WhenAll(replies).ConfigureAwait(false);
            RespValue combined = Combine(replies);
            if (!combined.IsError)
            {
                // The script stops at its next hook; commands then are answered, not refused.
                backend.Busy.Forget();
            }

            return combined;
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
