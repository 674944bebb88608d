using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// HELLO 3 with AUTH and SETNAME; RESP2 AUTH for servers that do not speak RESP3; then SELECT.
    /// Error messages name the user and never the password.
    /// </summary>
    internal static class ConnectionHandshake
    {
        public static async Task<ServerHello> RunAsync(RedisConnection connection, ConnectionOptions options, CancellationToken cancellationToken)
        {
            string endpoint = connection.Endpoint.ToString();
            ServerHello? hello = null;
            if (options.Protocol != RedisProtocol.Resp2)
            {
                RespValue reply = await ExecuteAsync(connection, BuildHello(options), endpoint, cancellationToken).ConfigureAwait(false);
                if (!reply.IsError)
                {
                    hello = ParseHello(reply);
                }
                else if (!IsNoProto(reply) || options.Protocol == RedisProtocol.Resp3)
                {
                    throw HandshakeError(reply, options, endpoint);
                }
            }

            if (hello == null)
            {
                hello = await Resp2HandshakeAsync(connection, options, endpoint, cancellationToken).ConfigureAwait(false);
            }

            if (options.Database != 0)
            {
                RespValue selected = await ExecuteAsync(connection, RedisCommand.Create("SELECT", options.Database.ToString(CultureInfo.InvariantCulture)), endpoint, cancellationToken).ConfigureAwait(false);
                if (selected.IsError)
                {
                    throw new RedisConnectionException(endpoint, "SELECT " + options.Database.ToString(CultureInfo.InvariantCulture) + " on " + endpoint + " failed: " + selected.GetString()
                        + (hello.IsCluster ? " (Redis Cluster only has database 0)" : string.Empty));
                }
            }

            if (options.ReadOnlyReplica)
            {
                RespValue readOnly = await ExecuteAsync(connection, RedisCommand.Create("READONLY"), endpoint, cancellationToken).ConfigureAwait(false);
                if (readOnly.IsError)
                {
                    throw new RedisConnectionException(endpoint, "READONLY on replica " + endpoint + " failed: " + readOnly.GetString());
                }
            }

            return hello;
        }

        private static RedisCommand BuildHello(ConnectionOptions options)
        {
            var args = new List<string> { "HELLO", "3" };
            if (options.Credential != null)
            {
                args.Add("AUTH");
                args.Add(string.IsNullOrEmpty(options.Credential.UserName) ? "default" : options.Credential.UserName);
                args.Add(options.Credential.Password ?? string.Empty);
            }

            if (!string.IsNullOrEmpty(options.ClientName))
            {
                args.Add("SETNAME");
                args.Add(options.ClientName!);
            }

            return RedisCommand.Create(args.ToArray());
        }

        private static async Task<ServerHello> Resp2HandshakeAsync(RedisConnection connection, ConnectionOptions options, string endpoint, CancellationToken cancellationToken)
        {
            if (options.Credential != null)
            {
                RedisCommand auth = string.IsNullOrEmpty(options.Credential.UserName)
                    ? RedisCommand.Create("AUTH", options.Credential.Password ?? string.Empty)
                    : RedisCommand.Create("AUTH", options.Credential.UserName, options.Credential.Password ?? string.Empty);
                RespValue reply = await ExecuteAsync(connection, auth, endpoint, cancellationToken).ConfigureAwait(false);
                if (reply.IsError)
                {
                    throw HandshakeError(reply, options, endpoint);
                }
            }

            if (!string.IsNullOrEmpty(options.ClientName))
            {
                // Naming is a courtesy; an old server or a restrictive ACL may refuse it.
                await ExecuteAsync(connection, RedisCommand.Create("CLIENT", "SETNAME", options.ClientName!), endpoint, cancellationToken).ConfigureAwait(false);
            }

            RespValue info = await ExecuteAsync(connection, RedisCommand.Create("INFO", "server"), endpoint, cancellationToken).ConfigureAwait(false);
            if (info.IsError)
            {
                throw HandshakeError(info, options, endpoint);
            }

            var fields = ParseInfo(info.GetString() ?? string.Empty);
            fields.TryGetValue("redis_version", out string? version);
            fields.TryGetValue("redis_mode", out string? mode);
            fields.TryGetValue("process_id", out _);
            return new ServerHello("redis", version ?? string.Empty, 2, 0, mode ?? "standalone", "master");
        }

        private static async Task<RespValue> ExecuteAsync(RedisConnection connection, RedisCommand command, string endpoint, CancellationToken cancellationToken)
        {
            try
            {
                return await connection.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisConnectionException ex) when (!(ex is RedisTimeoutException))
            {
                string hint = !connection.Options.UseTls
                    ? "If the server expects TLS, connect with -Tls."
                    : string.IsNullOrEmpty(connection.Options.ClientCertificatePath)
                        ? "The server may require a client certificate (-ClientCertificatePath)."
                        : "The server may not accept this client certificate.";
                throw new RedisConnectionException(endpoint, "The connection to " + endpoint + " failed during the handshake (" + ex.Message + "). " + hint, ex);
            }
        }

        private static bool IsNoProto(RespValue reply)
        {
            string message = reply.GetString() ?? string.Empty;
            return ErrorReplyClassifier.Classify(reply) == ErrorReplyKind.NoProto || message.IndexOf("unknown command", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        private static RedisConnectionException HandshakeError(RespValue reply, ConnectionOptions options, string endpoint)
        {
            ErrorReplyKind kind = ErrorReplyClassifier.Classify(reply);
            string message = reply.GetString() ?? string.Empty;
            if (kind == ErrorReplyKind.WrongPass || message.IndexOf("invalid password", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("invalid username-password", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new RedisAuthenticationException(endpoint, "Authentication as user '" + options.User + "' to " + endpoint
                    + " failed: the user name or password is wrong, or the user is disabled.");
            }

            if (kind == ErrorReplyKind.NoAuth)
            {
                return new RedisAuthenticationException(endpoint, "The server " + endpoint + " requires authentication; give -Credential.");
            }

            if (kind == ErrorReplyKind.NoPerm)
            {
                return new RedisAuthenticationException(endpoint, "User '" + options.User + "' may not run the handshake on " + endpoint + ": " + message);
            }

            if (message.IndexOf("without any password configured", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new RedisAuthenticationException(endpoint, "The server " + endpoint + " has no password configured for the default user; connect without -Credential.");
            }

            return new RedisConnectionException(endpoint, "The handshake with " + endpoint + " failed: " + message);
        }

        private static ServerHello ParseHello(RespValue reply)
        {
            string server = "redis", version = string.Empty, mode = "standalone", role = "master";
            long id = 0;
            int proto = 3;
            foreach (var pair in reply.AsPairs())
            {
                switch (pair.Key)
                {
                    case "server":
                        server = pair.Value.GetString() ?? server;
                        break;
                    case "version":
                        version = pair.Value.GetString() ?? version;
                        break;
                    case "proto":
                        proto = (int)pair.Value.Integer;
                        break;
                    case "id":
                        id = pair.Value.Integer;
                        break;
                    case "mode":
                        mode = pair.Value.GetString() ?? mode;
                        break;
                    case "role":
                        role = pair.Value.GetString() ?? role;
                        break;
                }
            }

            return new ServerHello(server, version, proto, id, mode, role);
        }

        internal static Dictionary<string, string> ParseInfo(string text)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int colon = line.IndexOf(':');
                if (colon > 0 && !line.StartsWith("#", StringComparison.Ordinal))
                {
                    fields[line.Substring(0, colon)] = line.Substring(colon + 1);
                }
            }

            return fields;
        }
    }
}
