using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Smart.Tracking;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// What one smart client's "server" answers about itself without the cluster: PING, ECHO, AUTH, HELLO, SELECT,
    /// QUIT, RESET, MULTI, DISCARD, CLIENT, INFO, SCRIPT/FUNCTION, and the commands a single server would refuse.
    /// </summary>
    internal sealed class SmartLocalAnswers : SmartSessionPart
    {
        private readonly SmartPin _pin;
        private readonly SmartClientState _client;
        private readonly long _clientId;
        private readonly SmartTransaction _transaction;

        public SmartLocalAnswers(SmartSessionState state, SmartTransaction transaction)
            : base(state)
        {
            _pin = state.Pin;
            _client = state.Client;
            _clientId = state.ClientId;
            _transaction = transaction;
        }

        /// <summary>The commands a single server answers about itself, answered as one; null: run it on the cluster.</summary>
        public ValueTask<RespValue?> AnswerLocallyAsync(string name, byte[][] args)
            => TryAnswerNow(name, args, out RespValue? reply) ? new ValueTask<RespValue?>(reply) : new ValueTask<RespValue?>(AskNodesAsync(name, args));

        /// <summary>
        /// What is answered from the session's own state, without an async call: every command asks, and most are
        /// neither these nor those that need the nodes. False: <see cref="AskNodesAsync"/> answers it.
        /// </summary>
        private bool TryAnswerNow(string name, byte[][] args, out RespValue? reply)
        {
            reply = null;
            switch (name)
            {
                case "PING":
                    reply = args.Length > 2 ? WrongArity(name) : args.Length > 1 ? RespValue.BulkString(args[1]) : RespValue.SimpleString("PONG");
                    return true;
                case "ECHO":
                    reply = args.Length == 2 ? RespValue.BulkString(args[1]) : WrongArity(name);
                    return true;
                case "AUTH":
                    // The tunnel authenticates its own connections; the client's credential is not needed.
                    reply = RespValue.Ok;
                    return true;
                case "HELLO":
                    reply = Hello(args);
                    return true;
                case "SELECT":
                    if (args.Length != 2)
                    {
                        reply = WrongArity(name);
                        return true;
                    }

                    reply = Text(args[1]) == "0" ? RespValue.Ok : RespValue.Error("ERR DB index is out of range (a cluster has only database 0)");
                    return true;
                case "QUIT":
                    _client.Quitting = true;
                    reply = RespValue.Ok;
                    return true;
                case "RESET":
                    _state.Protocol = 2;
                    _client.Name = null;
                    _client.NoEvict = false;
                    _backend.Tracking.Disable(_client);
                    _state.Replies.Reset();
                    _transaction.Multi = null;
                    _transaction.MultiFailed = false;
                    _pin.Release();
                    reply = RespValue.SimpleString("RESET");
                    return true;
                case "UNWATCH":
                    _pin.Release();
                    reply = RespValue.Ok;
                    return true;
                case "READONLY":
                case "READWRITE":
                case "ASKING":
                    reply = RespValue.Ok;
                    return true;
                case "MULTI":
                    if (_transaction.Multi != null)
                    {
                        reply = RespValue.Error("ERR MULTI calls can not be nested");
                        return true;
                    }

                    _transaction.Multi = new List<RedisCommand>();
                    _transaction.MultiFailed = false;
                    reply = RespValue.Ok;
                    return true;
                case "DISCARD":
                    if (_transaction.Multi == null)
                    {
                        reply = RespValue.Error("ERR DISCARD without MULTI");
                        return true;
                    }

                    // Like Redis, DISCARD also ends the WATCH.
                    _transaction.Multi = null;
                    _transaction.MultiFailed = false;
                    _pin.Release();
                    reply = RespValue.Ok;
                    return true;
                case "CLIENT" when SmartReplySwitch.IsClientReply(name, args):
                    reply = _state.Replies.Answer(args);
                    return true;
                // Every name AskNodesAsync answers: one missing here would be refused or routed instead.
                case "CLIENT":
                case "INFO":
                case "SCRIPT":
                case "FUNCTION":
                case "EVAL":
                case "EVAL_RO":
                case "CONFIG":
                case "RANDOMKEY":
                case "SLOWLOG":
                    return false;
                default:
                    reply = SmartRefusals.Refused(name, args);
                    return true;
            }
        }

        /// <summary>The commands whose answer needs the nodes (or the tunnel's shared state that waits for them).</summary>
        private async Task<RespValue?> AskNodesAsync(string name, byte[][] args)
        {
            switch (name)
            {
                case "CLIENT" when SmartTracking.Answers(args):
                    return await _backend.Tracking.AnswerAsync(_client, args, _abort.Token).ConfigureAwait(false);
                case "CLIENT":
                    return SmartRefusals.Refused(name, args) ?? await SmartClientCommands.UnknownKillUserAsync(args, _backend, _abort.Token).ConfigureAwait(false) ?? (SmartClientCommands.IsUnblock(args)
                        ? await SmartClientCommands.UnblockAsync(args, _backend, _abort.Token).ConfigureAwait(false)
                        : AnswerClient(args));
                case "INFO":
                    return await SmartServerInfo.RunAsync(_backend, args, Facts(), _abort.Token).ConfigureAwait(false);
                case "SCRIPT":
                case "FUNCTION":
                    // A kill must not queue behind the script it is meant to stop.
                    if (SmartScriptKill.IsKill(name, args))
                    {
                        return await SmartScriptKill.RunAsync(_backend, args, _state.BatchRunsScript ? 1 : 0, _abort.Token).ConfigureAwait(false);
                    }

                    if (name == "SCRIPT" && args.Length > 1 && CommandNames.Of(args[1]) == "FLUSH")
                    {
                        _backend.Scripts.Forget();
                    }

                    return await SmartServerCommands.AnswerAsync(_backend, name, args, _abort.Token).ConfigureAwait(false);
                case "EVAL":
                case "EVAL_RO":
                    // One server has one script cache: a later EVALSHA finds the script wherever its keys are.
                    await _backend.Scripts.LoadEverywhereAsync(_backend, args, _abort.Token).ConfigureAwait(false);
                    return null;
                case "CONFIG":
                    return await TrackingTableConfig.AnswerAsync(_backend, args, _abort.Token).ConfigureAwait(false)
                        ?? await SmartServerCommands.AnswerAsync(_backend, name, args, _abort.Token).ConfigureAwait(false);
                case "RANDOMKEY":
                case "SLOWLOG":
                    return await SmartServerCommands.AnswerAsync(_backend, name, args, _abort.Token).ConfigureAwait(false);
                default:
                    return SmartRefusals.Refused(name, args);
            }
        }

        /// <summary>CLIENT as one server answers it; a CLIENT KILL of the client's own connection closes it after the reply.</summary>
        private RespValue? AnswerClient(byte[][] args)
        {
            RespValue? reply = SmartClientCommands.Answer(args, _client, _backend.Clients, out bool closeAfterReply);
            _state.CloseAfterReply = closeAfterReply;
            return reply;
        }

        /// <summary>
        /// (P|S)UNSUBSCRIBE while subscribed to nothing: what a server says then, one reply per channel named,
        /// or one with a null channel when none is (pushes for a RESP3 client).
        /// </summary>
        public RespValue[] NotSubscribed(string name, byte[][] args)
        {
            RespType type = _state.Protocol >= 3 ? RespType.Push : RespType.Array;
            RespValue kind = RespValue.BulkString(name.ToLowerInvariant());
            var replies = new RespValue[Math.Max(1, args.Length - 1)];
            for (int c = 0; c < replies.Length; c++)
            {
                RespValue channel = args.Length > 1 ? RespValue.BulkString(args[c + 1]) : RespValue.NullBulkString;
                replies[c] = RespValue.Create(type, null, items: new[] { kind, channel, RespValue.FromInteger(0) });
            }

            return replies;
        }

        /// <summary>HELLO as the one server the tunnel presents answers it; switches the session's protocol.</summary>
        public RespValue Hello(byte[][] args)
        {
            int protocol = _state.Protocol;
            if (args.Length > 1)
            {
                string version = Text(args[1]);
                if (version != "2" && version != "3")
                {
                    return RespValue.Error("NOPROTO unsupported protocol version");
                }

                protocol = version[0] - '0';
                for (int i = 2; i < args.Length; i++)
                {
                    string option = Text(args[i]).ToUpperInvariant();
                    if (option == "AUTH" && i + 2 < args.Length)
                    {
                        // Ignored: the tunnel holds the credentials.
                        i += 2;
                    }
                    else if (option == "SETNAME" && i + 1 < args.Length)
                    {
                        RespValue named = SmartClientCommands.SetName(_client, args[++i]);
                        if (named.IsError)
                        {
                            return named;
                        }
                    }
                    else
                    {
                        return RespValue.Error("ERR Syntax error in HELLO option '" + Text(args[i]) + "'");
                    }
                }
            }

            _state.Protocol = protocol;
            return RespValue.Map(new[]
            {
                Pair("server", RespValue.BulkString("redis")),
                Pair("version", RespValue.BulkString(_backend.Version)),
                Pair("proto", RespValue.FromInteger(protocol)),
                Pair("id", RespValue.FromInteger(_clientId)),
                Pair("mode", RespValue.BulkString("standalone")),
                Pair("role", RespValue.BulkString("master")),
                Pair("modules", RespValue.Array()),
            });
        }

        /// <summary>The tunnel's own figures for INFO: one server's clients are the applications connected to the tunnel.</summary>
        private SmartServerFacts Facts()
        {
            TunnelStatistics stats = _context.Statistics;
            return new SmartServerFacts(_client.LocalPort, stats.ClientsNow, stats.ClientsTotal, stats.ClientsRefused, _context.Admission.Maximum, _backend.Tracking.Figures());
        }

        /// <summary>Redis's full command name as CLIENT LIST shows it: lower case, container|subcommand.</summary>
        public string FullName(string name, byte[][] args)
        {
            CommandInfo? info = _backend.Cluster.Commands.FindUpperCased(name);
            if (info != null && args.Length > 1 && info.Subcommands.Count > 0 && info.Subcommands.ContainsKey(Text(args[1])))
            {
                return (name + "|" + Text(args[1])).ToLowerInvariant();
            }

            // The server's own name is lower case already: no string per command for the commands it knows.
            return info?.Name ?? name.ToLowerInvariant();
        }

        private static KeyValuePair<RespValue, RespValue> Pair(string key, RespValue value) => new KeyValuePair<RespValue, RespValue>(RespValue.BulkString(key), value);

        public static RespValue WrongArity(string name) => RespValue.Error("ERR wrong number of arguments for '" + name.ToLowerInvariant() + "' command");

        private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
    }
}
