namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Error text the tunnel writes to its clients as RESP error lines: a message from an exception may
    /// span lines, and a CR or LF inside an error line would end it early and desynchronise the client.
    /// </summary>
    internal static class ErrorLines
    {
        public static string OneLine(string message) => message.Replace('\r', ' ').Replace('\n', ' ');
    }
}
