using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Opens a connection to a server or cluster and makes it the session's default.</summary>
    [Cmdlet(VerbsCommunications.Connect, "Redis", DefaultParameterSetName = EndpointSet)]
    [OutputType(typeof(RedisClient))]
    public sealed class ConnectRedisCommand : RedisConnectionCmdlet
    {
        /// <summary>Return the connection without making it the session's default.</summary>
        [Parameter]
        public SwitchParameter NoDefault { get; set; }

        protected override void EndProcessing()
        {
            RedisClient client = OpenClient();
            if (NoDefault)
            {
                RedisSessionState.Track(client);
            }
            else
            {
                RedisSessionState.SetDefault(client);
            }

            WriteObject(client);
        }
    }
}
