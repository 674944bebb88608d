using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Closes a connection (by default the session's default connection).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Redis")]
    [OutputType(typeof(void))]
    public sealed class DisconnectRedisCommand : RedisCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        protected override void ProcessRecord()
        {
            RedisClient? client = Connection ?? RedisSessionState.GetDefault();
            if (client == null)
            {
                WriteVerbose("There is no default connection to close.");
                return;
            }

            WriteVerbose("Closing the connection to " + client.Endpoint + ".");
            RedisSessionState.Forget(client);
            client.Dispose();
        }
    }
}
