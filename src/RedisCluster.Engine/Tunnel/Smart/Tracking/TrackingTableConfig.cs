using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart.Tracking
{
    /// <summary>
    /// CONFIG SET and GET of tracking-table-max-keys: the limit of the tunnel's own tracking table. It is not passed
    /// on: on the nodes it would evict the keys the tunnel's feeds watch, and the applications would hear of changes
    /// that did not happen.
    /// </summary>
    internal static class TrackingTableConfig
    {
        private const string Parameter = "tracking-table-max-keys";

        /// <summary>The answer to CONFIG SET or GET when it concerns the parameter; null for the nodes to answer.</summary>
        public static async Task<RespValue?> AnswerAsync(SmartBackend backend, byte[][] args, CancellationToken cancellationToken)
        {
            string sub = args.Length > 1 ? CommandNames.Of(args[1]) : string.Empty;
            try
            {
                if (sub == "SET" && args.Length >= 4 && args.Length % 2 == 0)
                {
                    return await SetAsync(backend, args, cancellationToken).ConfigureAwait(false);
                }

                if (sub == "GET" && args.Length >= 3)
                {
                    return await GetAsync(backend, args, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RedisException ex)
            {
                return RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
            }

            return null;
        }

        private static async Task<RespValue?> SetAsync(SmartBackend backend, byte[][] args, CancellationToken cancellationToken)
        {
            int at = -1;
            for (int i = 2; i < args.Length; i += 2)
            {
                if (string.Equals(Encoding.UTF8.GetString(args[i]), Parameter, StringComparison.OrdinalIgnoreCase))
                {
                    at = i;
                }
            }

            if (at < 0)
            {
                return null;
            }

            if (!long.TryParse(Encoding.ASCII.GetString(args[at + 1]), NumberStyles.None, CultureInfo.InvariantCulture, out long max))
            {
                return RespValue.Error("ERR CONFIG SET failed (possibly related to argument '" + Parameter + "') - argument couldn't be parsed into an integer");
            }

            var rest = args.Where((_, i) => i != at && i != at + 1).ToArray();
            if (rest.Length > 2)
            {
                // The other parameters go to every primary; the limit changes only if they were all accepted.
                IReadOnlyList<RespValue> replies = await SmartFanOut.OnEveryPrimaryAsync(backend, RedisCommand.Create(rest), cancellationToken).ConfigureAwait(false);
                RespValue? refused = replies.FirstOrDefault(r => r.IsError);
                if (refused != null)
                {
                    return refused;
                }
            }

            backend.Tracking.MaxKeys = max;
            return RespValue.Ok;
        }

        private static async Task<RespValue> GetAsync(SmartBackend backend, byte[][] args, CancellationToken cancellationToken)
        {
            RedisEndpoint node = backend.Cluster.DefaultPrimary ?? backend.Cluster.GetPrimaryEndpoints()[0];
            IReadOnlyList<RedisReply> reply = await backend.Cluster.ExecuteOnNodeAsync(node, new[] { RedisCommand.Create(args) }, cancellationToken).ConfigureAwait(false);
            RespValue value = reply[0].Value;
            if (!value.IsAggregate)
            {
                return value;
            }

            var items = value.Items.ToArray();
            for (int i = 0; i + 1 < items.Length; i += 2)
            {
                if (items[i].GetString() == Parameter)
                {
                    items[i + 1] = RespValue.BulkString(backend.Tracking.MaxKeys.ToString(CultureInfo.InvariantCulture));
                }
            }

            return RespValue.Create(value.Type, null, items: items);
        }
    }
}
