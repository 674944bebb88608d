using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// CLIENT REPLY ON|OFF|SKIP for one application, kept by the tunnel: the commands still run on the shared
    /// connections and their replies are read there (so those stay in step for everybody); only what reaches
    /// this application is silenced. Pub/sub confirmations and messages are never silenced, as in Redis 7
    /// (they reach the client through its subscription relay, which this does not touch).
    /// </summary>
    internal sealed class SmartReplySwitch
    {
        private volatile bool _off;
        private volatile bool _skipNext;

        /// <summary>True for CLIENT REPLY, which <see cref="Answer"/> answers.</summary>
        public static bool IsClientReply(string name, byte[][] args)
            => name == "CLIENT" && args.Length > 1 && CommandNames.Of(args[1]) == "REPLY";

        /// <summary>
        /// CLIENT REPLY from the application: its reply (which <see cref="Silences"/> then drops for OFF and
        /// SKIP, as Redis sends none for them).
        /// </summary>
        public RespValue Answer(byte[][] args)
        {
            string mode = args.Length == 3 ? CommandNames.Of(args[2]) : string.Empty;
            switch (mode)
            {
                case "ON":
                    _off = false;
                    _skipNext = false;
                    return RespValue.Ok;
                case "OFF":
                    _off = true;
                    return RespValue.Ok;
                case "SKIP":
                    // Already silent: nothing more to skip.
                    _skipNext = !_off;
                    return RespValue.Ok;
                default:
                    return args.Length == 3 ? RespValue.Error("ERR syntax error") : RespValue.Error("ERR wrong number of arguments for 'client|reply' command");
            }
        }

        /// <summary>RESET: replies on again.</summary>
        public void Reset()
        {
            _off = false;
            _skipNext = false;
        }

        /// <summary>
        /// Whether the reply to the command just run (<paramref name="name"/>, <paramref name="args"/>) is
        /// withheld from the application; called once per command, in the application's order.
        /// </summary>
        public bool Silences(string name, byte[][] args, RespValue? reply)
        {
            if (IsClientReply(name, args) && reply != null && !reply.IsError)
            {
                // OFF and SKIP say nothing themselves; ON answers OK.
                return CommandNames.Of(args[2]) != "ON";
            }

            if (_off)
            {
                return true;
            }

            if (_skipNext)
            {
                _skipNext = false;
                return true;
            }

            return false;
        }
    }
}
