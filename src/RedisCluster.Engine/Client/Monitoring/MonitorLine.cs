using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Client.Monitoring
{
    /// <summary>One line a node's MONITOR stream sent: the time, the client and the command it executed, as the server wrote them.</summary>
    public sealed class MonitorLine
    {
        public MonitorLine(RedisEndpoint node, string text)
        {
            Node = node;
            Text = text;
        }

        /// <summary>The node that executed the command.</summary>
        public RedisEndpoint Node { get; }

        /// <summary>The server's line, e.g. <c>1733360000.123456 [0 127.0.0.1:50000] "SET" "k" "v"</c>.</summary>
        public string Text { get; }

        public override string ToString() => Node + ": " + Text;
    }
}
