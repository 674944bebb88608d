using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.KeyCopy;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Copies (or, with -Delete, moves) keys between any two servers or clusters with SCAN, DUMP and RESTORE:
    /// what redis-cli --cluster import does, also from a cluster and into a standalone server.
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "RedisKey", DefaultParameterSetName = ConnectionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(KeyCopyResult))]
    public sealed class CopyRedisKeyCommand : RedisCmdlet, IConnectionParameters
    {
        private const string ConnectionSet = "Connection";
        private const string EndpointSet = "Endpoint";

        /// <summary>The connection to copy from (Connect-Redis); the session's default connection when omitted.</summary>
        [Parameter(ParameterSetName = ConnectionSet, Position = 0, ValueFromPipeline = true)]
        public RedisClient? Source { get; set; }

        /// <summary>The connection to copy to (Connect-Redis -NoDefault).</summary>
        [Parameter(ParameterSetName = ConnectionSet, Mandatory = true, Position = 1)]
        public RedisClient? Destination { get; set; }

        [Parameter(ParameterSetName = EndpointSet, Mandatory = true)]
        [ArgumentCompleter(typeof(Completion.EndpointCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? SourceEndpoint { get; set; }

        [Parameter(ParameterSetName = EndpointSet, Mandatory = true)]
        [ArgumentCompleter(typeof(Completion.EndpointCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? DestinationEndpoint { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [Credential]
        public PSCredential? SourceCredential { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [Credential]
        public PSCredential? DestinationCredential { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(0, 1000)]
        public int SourceDatabase { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(0, 1000)]
        public int DestinationDatabase { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter Tls { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? CaCertificatePath { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientCertificatePath { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientKeyPath { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SecureString? ClientCertificatePassword { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? TlsServerName { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = 10;

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(0, 86400)]
        public int CommandTimeout { get; set; } = 30;

        /// <summary>Only keys that match this glob-style pattern (SCAN MATCH).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string Pattern { get; set; } = "*";

        /// <summary>Only keys of this type (SCAN TYPE).</summary>
        [Parameter]
        [ValidateSet("string", "list", "set", "zset", "hash", "stream", IgnoreCase = true)]
        public string? Type { get; set; }

        /// <summary>Keys per pipelined DUMP and RESTORE round.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int BatchSize { get; set; } = 1000;

        /// <summary>Overwrite keys the destination already has (RESTORE ... REPLACE); without it they are skipped.</summary>
        [Parameter]
        public SwitchParameter Replace { get; set; }

        /// <summary>Delete each key from the source once it is on the destination: a move.</summary>
        [Parameter]
        public SwitchParameter Delete { get; set; }

        /// <summary>Move (-Delete) without asking for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        // Each side's credential is its own parameter; IConnectionParameters gives the shared TLS settings only.
        PSCredential? IConnectionParameters.Credential => null;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ConnectionSet && Source == null)
            {
                Source = RedisSessionState.GetDefault();
                if (Source == null)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("There is no connection to copy from: give -Source (a connection from Connect-Redis), or connect first with Connect-Redis."),
                        "RedisCopyNoSource", ErrorCategory.InvalidArgument, null));
                }
            }

            string from = Source?.ToString() ?? string.Join(",", SourceEndpoint!);
            string to = Destination?.ToString() ?? string.Join(",", DestinationEndpoint!);
            if (!Confirmed(from, to))
            {
                return;
            }

            RedisClient? source = Source, destination = Destination;
            try
            {
                source ??= Open(SourceEndpoint!, SourceCredential, SourceDatabase);
                destination ??= Open(DestinationEndpoint!, DestinationCredential, DestinationDatabase);
                Copy(source, destination);
            }
            finally
            {
                // Connections opened here are this call's; those given by the caller stay open.
                if (Source == null)
                {
                    source?.Dispose();
                }

                if (Destination == null)
                {
                    destination?.Dispose();
                }
            }
        }

        /// <summary>A copy asks only under -WhatIf or -Confirm; a move (-Delete) asks unless -Force.</summary>
        private bool Confirmed(string from, string to)
        {
            string what = (Type != null ? Type.ToLowerInvariant() + " " : string.Empty) + "keys" + (Pattern != "*" ? " matching '" + Pattern + "'" : string.Empty);
            bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter s && s.IsPresent;
            bool confirm = MyInvocation.BoundParameters.TryGetValue("Confirm", out object? c) && c is SwitchParameter t && t.IsPresent;
            if (Delete)
            {
                return (Force && !whatIf) || ShouldProcess(from, "Move " + what + " to " + to + " (each key is deleted from the source once it is copied)");
            }

            return !(whatIf || confirm) || ShouldProcess(from, "Copy " + what + " to " + to + (Replace ? ", replacing keys the destination has" : string.Empty));
        }

        private void Copy(RedisClient source, RedisClient destination)
        {
            var options = new KeyCopyOptions
            {
                Pattern = Pattern,
                Type = Type?.ToLowerInvariant(),
                BatchSize = BatchSize,
                Replace = Replace,
                Delete = Delete,
            };
            var run = new KeyCopyRun(source, destination, options);
            string activity = "Copying keys from " + source + " to " + destination;
            Task<KeyCopyResult> task = run.RunAsync(CancelToken);
            WaitReporting(task, source, () => Report(run, activity, destination), 250);
            KeyCopyResult result;
            try
            {
                result = task.GetAwaiter().GetResult();
            }
            catch (KeyCopyException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "RedisCopy" + ex.Refusal,
                    ex.Refusal == KeyCopyRefusal.SameServer ? ErrorCategory.InvalidArgument : ErrorCategory.InvalidData, destination.ToString()));
                throw;
            }
            catch (Exception ex) when (ex is RedisException || ex is OperationCanceledException || ex is ObjectDisposedException)
            {
                ThrowTerminatingError(ToErrorRecord(ex, source.ToString()));
                throw;
            }

            if (CancelToken.IsCancellationRequested)
            {
                // The pipeline is stopping and takes no more output: say what was done on the host.
                Host.UI?.WriteWarningLine("Copy stopped: " + result + ".");
                return;
            }

            WriteFailures(run);
            if (run.FailureCount > options.FailuresReported)
            {
                WriteWarning(run.FailureCount.ToString("N0", CultureInfo.InvariantCulture) + " keys could not be copied or deleted; the first "
                    + options.FailuresReported.ToString(CultureInfo.InvariantCulture) + " were written as errors. The result counts them all.");
            }

            WriteProgress(new ProgressRecord(ProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            WriteObject(result);
        }

        private const int ProgressId = 11;

        private void Report(KeyCopyRun run, string activity, RedisClient destination)
        {
            DrainLog(destination);
            WriteFailures(run);
            KeyCopyProgress now = run.Snapshot();
            string done = now.Done.ToString("N0", CultureInfo.InvariantCulture)
                + (now.EstimatedTotal is long total ? " of about " + total.ToString("N0", CultureInfo.InvariantCulture) : string.Empty);
            WriteProgress(new ProgressRecord(ProgressId, activity, done + " keys, " + now.Copied.ToString("N0", CultureInfo.InvariantCulture) + " copied, at "
                + now.KeysPerSecond.ToString("N0", CultureInfo.InvariantCulture) + " keys/s") { PercentComplete = now.PercentComplete });
        }

        private void WriteFailures(KeyCopyRun run)
        {
            while (run.TryTakeFailure(out KeyCopyFailure? failure))
            {
                WriteError(new ErrorRecord(new RedisException(failure!.ToString()), "RedisCopyKeyFailed", ErrorCategory.WriteError, failure.Key));
            }
        }

        private RedisClient Open(string[] endpoints, PSCredential? credential, int database)
        {
            ConnectionOptions connection = ConnectionParameters.ToOptions(this, path => path == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
            if (credential != null)
            {
                connection.SetCredential((credential.UserName ?? string.Empty).Trim(), credential.Password);
            }

            connection.Database = database;
            connection.CommandTimeout = TimeSpan.FromSeconds(CommandTimeout);
            var seeds = new List<RedisEndpoint>();
            foreach (string text in endpoints)
            {
                seeds.Add(Terminating(() => RedisEndpoint.Parse(text), text));
            }

            string target = string.Join(", ", seeds);
            string? warning = connection.CertificateCheckWarning(target);
            if (warning != null)
            {
                WriteWarning(warning);
            }

            var options = new RedisClientOptions(connection) { Log = new CmdletLog() };
            WriteVerbose("Connecting to " + target + (connection.UseTls ? " over TLS" : string.Empty) + " as user '" + connection.User + "'.");
            return Terminating(() => Await(RedisClientFactory.ConnectAsync(seeds, options, CancelToken)), target);
        }
    }
}
