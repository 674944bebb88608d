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
using RedisCluster.Engine;
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
        internal static TimeSpan AskTimeoutFor(IDictionary parameters)
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
                using RedisClient client = await RedisClientFactory.ConnectAsync(seeds, options, deadline.Token).ConfigureAwait(false);
                return RedisCommandCatalog.FromTable(await client.GetCommandTableAsync(deadline.Token).ConfigureAwait(false));
            });

        /// <summary>
        /// The connection the command line describes, built as the cmdlet would build it; a credential only when
        /// it is already a PSCredential (nothing prompts), and waits bounded by the completion's own timeout.
        /// </summary>
        internal static ConnectionOptions Options(IDictionary parameters)
        {
            ConnectionOptions connection = ConnectionParameters.ToOptions(new TypedConnectionParameters(parameters), ResolvePath);
            connection.ConnectTimeout = AskTimeoutFor(parameters);
            connection.CommandTimeout = AskTimeoutFor(parameters);
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
        private static string? ResolvePath(string? path)
        {
            if (string.IsNullOrEmpty(path))
            {
                return null;
            }

            string? location = Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath;
            return location == null ? path : System.IO.Path.Combine(location, path);
        }

        /// <summary>The connection parameters typed so far on the command line (completion's fake bound parameters).</summary>
        private sealed class TypedConnectionParameters : IConnectionParameters
        {
            private readonly IDictionary _parameters;

            public TypedConnectionParameters(IDictionary parameters)
            {
                _parameters = parameters;
            }

            public PSCredential? Credential => Value(_parameters, nameof(Credential)) as PSCredential;

            public SwitchParameter Tls => IsSet(_parameters, nameof(Tls));

            public string? CaCertificatePath => Value(_parameters, nameof(CaCertificatePath)) as string;

            public string? ClientCertificatePath => Value(_parameters, nameof(ClientCertificatePath)) as string;

            public string? ClientKeyPath => Value(_parameters, nameof(ClientKeyPath)) as string;

            public SecureString? ClientCertificatePassword => Value(_parameters, nameof(ClientCertificatePassword)) as SecureString;

            public SwitchParameter SkipCertificateCheck => IsSet(_parameters, nameof(SkipCertificateCheck));

            public string? TlsServerName => Value(_parameters, nameof(TlsServerName)) as string;

            public int ConnectTimeout => (int)AskTimeoutFor(_parameters).TotalSeconds;
        }
    }
}
