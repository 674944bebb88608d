using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Scripting
{
    /// <summary>
    /// Runs script calls in one pipelined batch, routed by their keys like any command (keyless ones go to one
    /// primary). EVALSHA first; the calls a node answers NOSCRIPT (its script cache was flushed, or it restarted)
    /// go again as EVAL, which runs the script and caches it there. On a cluster, a call whose keys span slots
    /// gets the CROSSSLOT explanation as its reply without being sent.
    /// </summary>
    public static class ScriptRunner
    {
        public static async Task<IReadOnlyList<RedisReply>> RunAsync(RedisClient client, IReadOnlyList<ScriptCall> calls, CancellationToken cancellationToken = default)
        {
            var replies = new RedisReply?[calls.Count];
            var sent = new List<int>(calls.Count);
            for (int i = 0; i < calls.Count; i++)
            {
                RespValue? refused = client is ClusterRedisClient cluster ? RefuseCrossSlot(calls[i], cluster) : null;
                if (refused != null)
                {
                    replies[i] = new RedisReply(calls[i].Command, refused, client.Endpoint, TimeSpan.Zero);
                }
                else
                {
                    sent.Add(i);
                }
            }

            IReadOnlyList<RedisReply> first = await client.ExecuteBatchAsync(sent.Select(i => calls[i].Command).ToList(), cancellationToken).ConfigureAwait(false);

            // A node without the script answers NOSCRIPT to every EVALSHA of it in the batch, so re-sending those in
            // their order keeps each node's order of runs.
            var missing = new List<int>();
            for (int n = 0; n < sent.Count; n++)
            {
                int i = sent[n];
                replies[i] = first[n];
                if (ErrorReplyClassifier.Classify(first[n].Value) == ErrorReplyKind.NoScript && calls[i].Fallback != null)
                {
                    missing.Add(i);
                }
            }

            if (missing.Count > 0)
            {
                IReadOnlyList<RedisReply> again = await client.ExecuteBatchAsync(missing.Select(i => calls[i].Fallback!).ToList(), cancellationToken).ConfigureAwait(false);
                for (int n = 0; n < missing.Count; n++)
                {
                    replies[missing[n]] = again[n];
                }
            }

            return replies.Select(r => r!).ToList();
        }

        private static RespValue? RefuseCrossSlot(ScriptCall call, ClusterRedisClient cluster)
        {
            if (call.KeyCount < 2)
            {
                return null;
            }

            var keys = Enumerable.Range(3, call.KeyCount).ToList();
            int slot = HashSlot.GetSlot(call.Command.Arguments[3].Span);
            if (keys.All(k => HashSlot.GetSlot(call.Command.Arguments[k].Span) == slot))
            {
                return null;
            }

            RespValue explained = CrossSlotExplainer.Explain(RespValue.Error("CROSSSLOT Keys in request don't hash to the same slot"), call.Command, keys, cluster.Slots);
            return RespValue.Error(explained.GetString() + " The script was not sent.");
        }
    }
}
