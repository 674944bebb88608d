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

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// CLIENT through the smart tunnel: what a single server answers about its clients, the applications
    /// connected to the tunnel (not the shared connections their commands run on). What cannot hold for a
    /// cluster behind one endpoint is refused by <see cref="SmartRefusals"/> first.
    /// </summary>
    internal static class SmartClientCommands
    {
        private const string SyntaxError = "ERR syntax error";

        /// <summary>How often, and how far apart, CLIENT UNBLOCK asks the node while the blocking command is still on its way.</summary>
        private const int UnblockAttempts = 100;

        private static readonly System.TimeSpan UnblockRetryDelay = System.TimeSpan.FromMilliseconds(20);

        /// <summary>
        /// The answer to CLIENT <paramref name="args"/>[1] from <paramref name="self"/>; null for a subcommand the
        /// nodes answer (HELP). <paramref name="closeAfterReply"/> is set when the client killed itself.
        /// </summary>
        public static RespValue? Answer(byte[][] args, SmartClientState self, SmartClientRegistry clients, out bool closeAfterReply)
        {
            closeAfterReply = false;
            if (args.Length < 2)
            {
                return RespValue.Error("ERR wrong number of arguments for 'client' command");
            }

            string sub = CommandNames.Of(args[1]);
            switch (sub)
            {
                case "ID" when args.Length == 2:
                    return RespValue.FromInteger(self.Id);
                case "INFO" when args.Length == 2:
                    return Verbatim(self.Describe(QueryBytes(args)) + "\n");
                case "LIST":
                    return List(args, self, clients);
                case "SETNAME" when args.Length == 3:
                    return SetName(self, args[2]);
                case "GETNAME" when args.Length == 2:
                    return RespValue.BulkString(self.Name);
                case "SETINFO":
                    // Redis 7.2's library name and version: accepted, like a server that records them.
                    return RespValue.Ok;
                case "NO-EVICT" when args.Length == 3:
                    string mode = CommandNames.Of(args[2]);
                    if (mode != "ON" && mode != "OFF")
                    {
                        return RespValue.Error(SyntaxError);
                    }

                    self.NoEvict = mode == "ON";
                    return RespValue.Ok;
                case "KILL":
                    return Kill(args, self, clients, out closeAfterReply);
                case "HELP":
                    return null;
                default:
                    return RespValue.Error("ERR unknown subcommand or wrong number of arguments for '" + Encoding.UTF8.GetString(args[1]) + "'. Try CLIENT HELP.");
            }
        }

        /// <summary>True for CLIENT UNBLOCK, which <see cref="UnblockAsync"/> answers.</summary>
        public static bool IsUnblock(byte[][] args) => args.Length > 1 && CommandNames.Of(args[1]) == "UNBLOCK";

        /// <summary>
        /// CLIENT UNBLOCK id [TIMEOUT|ERROR]: the application blocked with that id waits on a node connection of
        /// its own, so the node unblocks that connection, and the application gets what Redis would send it.
        /// </summary>
        public static async Task<RespValue> UnblockAsync(byte[][] args, SmartBackend backend, CancellationToken cancellationToken)
        {
            if (args.Length != 3 && args.Length != 4)
            {
                return RespValue.Error("ERR unknown subcommand or wrong number of arguments for '" + Encoding.UTF8.GetString(args[1]) + "'. Try CLIENT HELP.");
            }

            string reason = args.Length == 4 ? CommandNames.Of(args[3]) : "TIMEOUT";
            if (reason != "TIMEOUT" && reason != "ERROR")
            {
                return RespValue.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            }

            if (!TryParseId(args[2], out long id))
            {
                return RespValue.Error("ERR value is not an integer or out of range");
            }

            SmartClientState? target = backend.Clients.Find(id);
            try
            {
                // The application sent its blocking command, so one server would have it blocked; the command
                // may still be on its way to the node, which then answers 0: asked again while it is in flight.
                for (int attempt = 0; attempt < UnblockAttempts && target != null && target.Blocked; attempt++)
                {
                    RedisConnection? connection = target.BlockedOn;
                    if (connection != null && connection.Hello.ConnectionId > 0)
                    {
                        var unblock = RedisCommand.Create("CLIENT", "UNBLOCK", connection.Hello.ConnectionId.ToString(CultureInfo.InvariantCulture), reason);
                        IReadOnlyList<RedisReply> reply = await backend.Cluster.ExecuteOnNodeAsync(connection.Endpoint, new[] { unblock }, cancellationToken).ConfigureAwait(false);
                        if (reply[0].Value.IsError || reply[0].Value.Integer != 0)
                        {
                            return reply[0].Value;
                        }
                    }

                    await Task.Delay(UnblockRetryDelay, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RedisException ex)
            {
                return RespValue.Error("ERR tunnel: " + ErrorLines.OneLine(ex.Message));
            }

            return RespValue.FromInteger(0);
        }

        /// <summary>HELLO SETNAME and CLIENT SETNAME: Redis refuses names CLIENT LIST could not show as one word.</summary>
        public static RespValue SetName(SmartClientState self, byte[] name)
        {
            if (name.Any(b => b < (byte)'!' || b > (byte)'~'))
            {
                return RespValue.Error("ERR Client names cannot contain spaces, newlines or special characters.");
            }

            self.Name = name.Length == 0 ? null : name;
            return RespValue.Ok;
        }

        /// <summary>
        /// CLIENT KILL ... USER name: Redis refuses a user it does not know. Every application is "default" to
        /// the tunnel; another name is looked up on a primary, whose users the tunnel's applications share.
        /// Null when the command names no such filter, the user exists, or the node cannot tell (no ACL rights).
        /// </summary>
        public static async Task<RespValue?> UnknownKillUserAsync(byte[][] args, SmartBackend backend, CancellationToken cancellationToken)
        {
            if (args.Length < 4 || CommandNames.Of(args[1]) != "KILL")
            {
                return null;
            }

            for (int i = 2; i + 1 < args.Length; i += 2)
            {
                string user = Encoding.UTF8.GetString(args[i + 1]);
                if (CommandNames.Of(args[i]) != "USER" || user == "default")
                {
                    continue;
                }

                try
                {
                    IReadOnlyList<RedisEndpoint> primaries = backend.Cluster.GetPrimaryEndpoints();
                    IReadOnlyList<RedisReply> reply = await backend.Cluster.ExecuteOnNodeAsync(primaries[0], new[] { RedisCommand.Create("ACL", "GETUSER", user) }, cancellationToken).ConfigureAwait(false);
                    if (reply[0].Value.IsNull)
                    {
                        return RespValue.Error("ERR No such user '" + user + "'");
                    }
                }
                catch (RedisException)
                {
                    // Unknown: the filter then matches nobody, as it would for a user without clients.
                }
            }

            return null;
        }

        /// <summary>The size of <paramref name="args"/> as a RESP multibulk, which is what a server's query buffer holds while it runs.</summary>
        private static long QueryBytes(byte[][] args)
        {
            long size = Header(args.Length);
            foreach (byte[] arg in args)
            {
                size += Header(arg.Length) + arg.Length + 2;
            }

            return size;
        }

        /// <summary>"*n\r\n" or "$n\r\n".</summary>
        private static long Header(long n) => 3 + n.ToString(CultureInfo.InvariantCulture).Length;

        private static RespValue List(byte[][] args, SmartClientState self, SmartClientRegistry clients)
        {
            IEnumerable<SmartClientState> listed = clients.All();
            if (args.Length == 4 && CommandNames.Of(args[2]) == "TYPE")
            {
                string type = CommandNames.Of(args[3]);
                switch (type)
                {
                    case "NORMAL":
                        listed = listed.Where(c => !c.Subscribed);
                        break;
                    case "PUBSUB":
                        listed = listed.Where(c => c.Subscribed);
                        break;
                    case "MASTER":
                    case "REPLICA":
                    case "SLAVE":
                        listed = Enumerable.Empty<SmartClientState>();
                        break;
                    default:
                        return RespValue.Error("ERR Unknown client type '" + Encoding.UTF8.GetString(args[3]) + "'");
                }
            }
            else if (args.Length > 3 && CommandNames.Of(args[2]) == "ID")
            {
                var found = new List<SmartClientState>();
                for (int i = 3; i < args.Length; i++)
                {
                    if (!TryParseId(args[i], out long id))
                    {
                        return RespValue.Error("ERR Invalid client ID");
                    }

                    SmartClientState? client = clients.Find(id);
                    if (client != null)
                    {
                        found.Add(client);
                    }
                }

                listed = found;
            }
            else if (args.Length != 2)
            {
                return RespValue.Error(SyntaxError);
            }

            var text = new StringBuilder();
            foreach (SmartClientState client in listed)
            {
                text.Append(client.Describe(client == self ? QueryBytes(args) : 0)).Append('\n');
            }

            return Verbatim(text.ToString());
        }

        private static RespValue Kill(byte[][] args, SmartClientState self, SmartClientRegistry clients, out bool closeAfterReply)
        {
            closeAfterReply = false;
            string? addr = null, laddr = null, type = null;
            long id = 0;
            bool skipMe = true;
            if (args.Length == 3)
            {
                // The old form, CLIENT KILL addr: it may kill the caller.
                addr = Encoding.UTF8.GetString(args[2]);
                skipMe = false;
            }
            else if (args.Length > 3)
            {
                for (int i = 2; i < args.Length; i += 2)
                {
                    if (i + 1 >= args.Length)
                    {
                        return RespValue.Error(SyntaxError);
                    }

                    string option = CommandNames.Of(args[i]);
                    string value = Encoding.UTF8.GetString(args[i + 1]);
                    switch (option)
                    {
                        case "ID":
                            if (!TryParseId(args[i + 1], out id) || id < 1)
                            {
                                return RespValue.Error("ERR client-id should be greater than 0");
                            }

                            break;
                        case "TYPE":
                            type = value.ToUpperInvariant();
                            if (type != "NORMAL" && type != "PUBSUB" && type != "MASTER" && type != "REPLICA" && type != "SLAVE")
                            {
                                return RespValue.Error("ERR Unknown client type '" + value + "'");
                            }

                            break;
                        case "ADDR":
                            addr = value;
                            break;
                        case "LADDR":
                            laddr = value;
                            break;
                        case "USER":
                            // Every application is the tunnel's one user upstream; "default" names them all.
                            type = value == "default" ? type : "NONE";
                            break;
                        case "SKIPME":
                            string yesNo = value.ToUpperInvariant();
                            if (yesNo != "YES" && yesNo != "NO")
                            {
                                return RespValue.Error(SyntaxError);
                            }

                            skipMe = yesNo == "YES";
                            break;
                        default:
                            return RespValue.Error(SyntaxError);
                    }
                }
            }
            else
            {
                return RespValue.Error("ERR wrong number of arguments for 'client|kill' command");
            }

            int killed = 0;
            foreach (SmartClientState client in clients.All())
            {
                if ((addr != null && client.Address != addr) || (laddr != null && client.LocalAddress != laddr) || (id != 0 && client.Id != id)
                    || (type != null && type != (client.Subscribed ? "PUBSUB" : "NORMAL")) || (client == self && skipMe))
                {
                    continue;
                }

                if (client == self)
                {
                    closeAfterReply = true;
                }
                else
                {
                    client.Kill();
                }

                killed++;
            }

            if (args.Length == 3)
            {
                return killed == 0 ? RespValue.Error("ERR No such client") : RespValue.Ok;
            }

            return RespValue.FromInteger(killed);
        }

        private static bool TryParseId(byte[] text, out long id)
            => long.TryParse(Encoding.ASCII.GetString(text), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id);

        /// <summary>A verbatim text reply (a bulk string for RESP2 clients), as CLIENT LIST and CLIENT INFO are.</summary>
        private static RespValue Verbatim(string text) => RespValue.Create(RespType.VerbatimString, Encoding.UTF8.GetBytes(text), verbatimFormat: "txt");
    }
}
