using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Completion
{
    /// <summary>
    /// Which command list a completion offers: the server the command line names (-Connection, or -Endpoint
    /// with its credential and TLS parameters), else the session's default connection, else the list that
    /// ships with the module. A server is asked once per endpoint and the answer kept; asking is bounded in
    /// time, never prompts, and any failure falls back to the shipped list, because a completer must not throw.
    /// </summary>
    internal static class CommandCatalogSource
    {
        /// <summary>How long a Tab may wait for a server before the shipped list is used.</summary>
        private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

        /// <summary>A server that did not answer is not asked again for this long, so that every Tab does not wait for it.</summary>
        private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

        private static readonly string[] EndpointParameters =
        {
            "Endpoint", "Credential", "Tls", "CaCertificatePath", "ClientCertificatePath", "ClientKeyPath",
            "ClientCertificatePassword", "SkipCertificateCheck", "TlsServerName", "ConnectTimeout",
        };

        private static readonly ConcurrentDictionary<string, (Task<RedisCommandCatalog> Catalog, DateTime Started)> ByEndpoint
            = new ConcurrentDictionary<string, (Task<RedisCommandCatalog>, DateTime)>(StringComparer.OrdinalIgnoreCase);

        private static readonly ConditionalWeakTable<CommandTable, RedisCommandCatalog> ByTable = new ConditionalWeakTable<CommandTable, RedisCommandCatalog>();

        public static RedisCommandCatalog For(IDictionary fakeBoundParameters)
        {
            try
            {
                Task<RedisCommandCatalog>? asked = Ask(fakeBoundParameters);
                if (asked != null && asked.Wait(AskTimeoutFor(fakeBoundParameters)))
                {
                    return asked.Result;
                }
            }
            catch (Exception)
            {
                // Unreachable server, refused credentials, bad endpoint text: complete from the shipped list instead.
            }

            return RedisCommandCatalog.BuiltIn;
        }

        /// <summary>-ConnectTimeout when the line has one (a slow link), else a few seconds: a Tab must not hang.</summary>
        private static TimeSpan AskTimeoutFor(IDictionary parameters)
            => LanguagePrimitives.TryConvertTo(Value(parameters, "ConnectTimeout"), out int seconds) && seconds > 0 && seconds <= 3600
                ? TimeSpan.FromSeconds(seconds)
                : AskTimeout;

        private static Task<RedisCommandCatalog>? Ask(IDictionary parameters)
        {
            if (Value(parameters, "Connection") is RedisClient given)
            {
                return FromClient(given);
            }

            if (EndpointParameters.Any(parameters.Contains))
            {
                return FromEndpoint(parameters);
            }

            RedisClient? current = RedisSessionState.GetDefault();
            return current == null ? null : FromClient(current);
        }

        private static Task<RedisCommandCatalog> FromClient(RedisClient client)
            => client.GetCommandTableAsync().ContinueWith(
                table => ByTable.GetValue(table.Result, RedisCommandCatalog.FromTable), TaskScheduler.Default);

        private static Task<RedisCommandCatalog> FromEndpoint(IDictionary parameters)
        {
            string[] endpoints = Texts(Value(parameters, "Endpoint"));
            if (endpoints.Length == 0)
            {
                endpoints = new[] { "localhost:6379" };
            }

            ConnectionOptions connection = Options(parameters);
            TimeSpan timeout = AskTimeoutFor(parameters);
            // A credential by user and by object (never by password): a retyped credential is asked again.
            string key = string.Join(",", endpoints) + (connection.UseTls ? " tls" : string.Empty)
                + (Value(parameters, "Credential") is PSCredential credential ? " " + credential.UserName + "#" + RuntimeHelpers.GetHashCode(credential) : string.Empty);
            var entry = ByEndpoint.AddOrUpdate(
                key,
                _ => (Load(endpoints, connection, timeout), DateTime.UtcNow),
                (_, old) => old.Catalog.IsFaulted && DateTime.UtcNow - old.Started > RetryAfterFailure ? (Load(endpoints, connection, timeout), DateTime.UtcNow) : old);
            return entry.Catalog;
        }

        private static Task<RedisCommandCatalog> Load(string[] endpoints, ConnectionOptions connection, TimeSpan timeout)
            => Task.Run(async () =>
            {
                var seeds = endpoints.Select(RedisEndpoint.Parse).ToList();

                // One node's COMMAND table serves the whole cluster: no topology discovery.
                var options = new RedisClientOptions(connection) { Mode = RedisClientMode.Standalone, PoolSize = 1 };
                using var deadline = new CancellationTokenSource(timeout);
                using RedisClient client = await RedisClient.ConnectAsync(seeds, options, deadline.Token).ConfigureAwait(false);
                return RedisCommandCatalog.FromTable(await client.GetCommandTableAsync(deadline.Token).ConfigureAwait(false));
            });

        /// <summary>The connection the command line describes; a credential only when it is already a PSCredential (nothing prompts).</summary>
        private static ConnectionOptions Options(IDictionary parameters)
        {
            string? ca = Path(parameters, "CaCertificatePath");
            string? clientCertificate = Path(parameters, "ClientCertificatePath");
            bool skipCheck = IsSet(parameters, "SkipCertificateCheck");
            var connection = new ConnectionOptions
            {
                UseTls = IsSet(parameters, "Tls") || ca != null || clientCertificate != null || skipCheck,
                CaCertificatePath = ca,
                ClientCertificatePath = clientCertificate,
                ClientKeyPath = Path(parameters, "ClientKeyPath"),
                SkipCertificateCheck = skipCheck,
                TlsServerName = Value(parameters, "TlsServerName") as string,
                ConnectTimeout = AskTimeoutFor(parameters),
                CommandTimeout = AskTimeoutFor(parameters),
            };

            connection.SetClientCertificatePassword(Value(parameters, "ClientCertificatePassword") as SecureString);
            if (Value(parameters, "Credential") is PSCredential credential)
            {
                connection.SetCredential((credential.UserName ?? string.Empty).Trim(), credential.Password);
            }

            return connection;
        }

        private static object? Value(IDictionary parameters, string name)
        {
            object? value = parameters.Contains(name) ? parameters[name] : null;
            return value is PSObject ps ? ps.BaseObject : value;
        }

        private static bool IsSet(IDictionary parameters, string name)
            => Value(parameters, name) switch
            {
                bool flag => flag,
                SwitchParameter flag => flag.IsPresent,
                _ => false,
            };

        private static string[] Texts(object? value)
            => value switch
            {
                null => Array.Empty<string>(),
                string text => new[] { text },
                IEnumerable items => items.Cast<object?>().Select(item => (item is PSObject ps ? ps.BaseObject : item)?.ToString())
                    .Where(text => !string.IsNullOrEmpty(text)).Select(text => text!).ToArray(),
                _ => new[] { value.ToString() ?? string.Empty },
            };

        /// <summary>A file path as the cmdlet would resolve it: relative to the session's current location.</summary>
        private static string? Path(IDictionary parameters, string name)
        {
            if (!(Value(parameters, name) is string path) || path.Length == 0)
            {
                return null;
            }

            string? location = Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath;
            return location == null ? path : System.IO.Path.Combine(location, path);
        }
    }
}
