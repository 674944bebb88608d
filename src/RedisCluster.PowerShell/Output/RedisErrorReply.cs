namespace RedisCluster.PowerShell.Output
{
    /// <summary>An error reply nested inside an aggregate (for example one failed command of an EXEC).</summary>
    public sealed class RedisErrorReply
    {
        public RedisErrorReply(string message)
        {
            Message = message;
            int space = message.IndexOf(' ');
            Prefix = space < 0 ? message : message.Substring(0, space);
        }

        /// <summary>The first word of the message: ERR, WRONGTYPE, MOVED...</summary>
        public string Prefix { get; }

        public string Message { get; }

        public override string ToString() => "(error) " + Message;
    }
}
