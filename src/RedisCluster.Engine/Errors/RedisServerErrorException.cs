namespace RedisCluster.Engine.Errors
{
    /// <summary>An error reply from the server, raised where a caller wants it as an exception.</summary>
    public sealed class RedisServerErrorException : RedisException
    {
        public RedisServerErrorException(string serverMessage, string command)
            : base(serverMessage)
        {
            ServerMessage = serverMessage;
            Command = command;
            int space = serverMessage.IndexOf(' ');
            Prefix = space < 0 ? serverMessage : serverMessage.Substring(0, space);
        }

        /// <summary>The first word of the message: ERR, WRONGTYPE, NOPERM, CROSSSLOT...</summary>
        public string Prefix { get; }

        public string ServerMessage { get; }

        /// <summary>The command that failed, with secrets redacted.</summary>
        public string Command { get; }
    }
}
