using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.PowerShell.Output;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Streams the keys of a server, or of every primary of a cluster, with SCAN (never KEYS, which
    /// blocks the server). Keys are written as they arrive.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisKey", DefaultParameterSetName = ConnectionSet)]
    [OutputType(typeof(RedisKey))]
    public sealed class GetRedisKeyCommand : RedisConnectionCmdlet
    {
        /// <summary>A glob-style pattern (SCAN MATCH): session:*, user:?, h[ae]llo.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string Pattern { get; set; } = "*";

        /// <summary>Only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream.</summary>
        [Parameter]
        [ValidateSet("string", "list", "set", "zset", "hash", "stream", IgnoreCase = true)]
        public string? Type { get; set; }

        /// <summary>How many keys each SCAN call examines (a hint to the server, not a limit on the output).</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int Count { get; set; } = 1000;

        /// <summary>A connection from Connect-Redis (also by pipeline, so that its TLS and credentials are used).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        protected override void ProcessRecord()
        {
            RedisClient client = ResolveClient(Connection, out bool owned);
            try
            {
                foreach (RedisEndpoint node in client.GetPrimaryEndpoints())
                {
                    ScanNode(client, node);
                }
            }
            finally
            {
                if (owned)
                {
                    client.Dispose();
                }
            }
        }

        private void ScanNode(RedisClient client, RedisEndpoint node)
        {
            string cursor = "0";
            do
            {
                var args = new List<string> { "SCAN", cursor, "MATCH", Pattern, "COUNT", Count.ToString(CultureInfo.InvariantCulture) };
                if (Type != null)
                {
                    args.Add("TYPE");
                    args.Add(Type.ToLowerInvariant());
                }

                RedisCommand scan = RedisCommand.Create(args.ToArray());
                RedisReply reply = Terminating(() => Await(client.ExecuteOnNodeAsync(node, new[] { scan }, CancelToken), client)[0], node.ToString());
                RespValue value = reply.Value;
                if (value.IsError || value.Items.Count != 2)
                {
                    ThrowTerminatingError(new ErrorRecord(new Engine.Errors.RedisServerErrorException(value.GetString() ?? "unexpected SCAN reply", scan.ToDisplayString()),
                        "RedisScanFailed", ErrorCategory.InvalidResult, node.ToString()));
                }

                cursor = value.Items[0].GetString() ?? "0";
                foreach (RespValue item in value.Items[1].Items)
                {
                    byte[] key = item.GetBytes() ?? new byte[0];
                    WriteObject(new RedisKey(item.GetString() ?? string.Empty, HashSlot.GetSlot(key), node.ToString(), Type?.ToLowerInvariant()));
                }
            }
            while (cursor != "0");
        }
    }
}
