using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Shared plumbing of the cluster administration cmdlets: they talk to each node directly (not
    /// through a routed connection), so they take the connection parameters in every parameter set,
    /// wait with a -Timeout, show the engine's progress, and map refusals to specific error records.
    /// </summary>
    public abstract class RedisAdministrationCmdlet : RedisCmdlet, IConnectionParameters
    {
        private readonly CmdletLog _log = new CmdletLog();
        private readonly LatestProgress _progress = new LatestProgress();
        private AdministrationProgress? _shown;

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter]
        public SwitchParameter Tls { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CaCertificatePath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientCertificatePath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientKeyPath { get; set; }

        [Parameter]
        public SecureString? ClientCertificatePassword { get; set; }

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TlsServerName { get; set; }

        /// <summary>Seconds to wait for the TCP connection and the TLS handshake of each node.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = 10;

        /// <summary>Seconds the cluster may take to agree on a change before the cmdlet gives up.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int Timeout { get; set; } = 60;

        /// <summary>Parses endpoints, stopping the cmdlet with an InvalidArgument error on a bad one.</summary>
        protected List<RedisEndpoint> ParseEndpoints(IEnumerable<string> texts)
        {
            var endpoints = new List<RedisEndpoint>();
            foreach (string text in texts)
            {
                endpoints.Add(Terminating(() => RedisEndpoint.Parse(text), text));
            }

            return endpoints;
        }

        /// <summary>The engine context for this call: the connection parameters, -Timeout, and this cmdlet's log and progress.</summary>
        protected AdministrationContext CreateContext()
        {
            ConnectionOptions options = ConnectionParameters.ToOptions(this, path => path == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
            // One warning per call: every node connection of the call shares these options.
            string? warning = options.CertificateCheckWarning("the nodes this command connects to");
            if (warning != null)
            {
                WriteWarning(warning);
            }

            return Terminating(() => new AdministrationContext(options, TimeSpan.FromSeconds(Timeout), _log, _progress), null);
        }

        /// <summary>
        /// Waits for engine work on the pipeline thread, writing its verbose messages and progress as it
        /// goes; a failure stops the cmdlet with an error record that names the node.
        /// </summary>
        protected T Run<T>(Task<T> task, object? target)
        {
            WaitReporting(task, null, ShowProgress, 100);
            DrainLog(_log);
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (AdministrationException ex)
            {
                CompleteProgress();
                ThrowTerminatingError(ToErrorRecord(ex, ex.Node ?? target));
                throw;
            }
            catch (Exception ex) when (ex is Engine.Errors.RedisException || ex is OperationCanceledException || ex is ObjectDisposedException)
            {
                CompleteProgress();
                ThrowTerminatingError(RedisCmdlet.ToErrorRecord(ex, target));
                throw;
            }
        }

        /// <summary>Closes the progress bar once the work is over.</summary>
        protected void CompleteProgress()
        {
            if (_shown != null && !CancelToken.IsCancellationRequested)
            {
                WriteProgress(new ProgressRecord(ProgressId, _shown.Activity, "Done") { RecordType = ProgressRecordType.Completed });
                _shown = null;
            }
        }

        private void ShowProgress()
        {
            DrainLog(_log);
            AdministrationProgress? now = _progress.Latest;
            if (now != null && !ReferenceEquals(now, _shown))
            {
                _shown = now;
                WriteProgress(new ProgressRecord(ProgressId, now.Activity, now.Status) { PercentComplete = now.PercentComplete });
            }
        }

        private const int ProgressId = 7;

        internal static ErrorRecord ToErrorRecord(AdministrationException ex, object? target)
        {
            ErrorCategory category;
            switch (ex.Failure)
            {
                case AdministrationFailure.NodeUnreachable:
                    category = ErrorCategory.ConnectionError;
                    break;
                case AdministrationFailure.AlreadyInCluster:
                case AdministrationFailure.NodeNotEmpty:
                    category = ErrorCategory.ResourceUnavailable;
                    break;
                case AdministrationFailure.InvalidRequest:
                    category = ErrorCategory.InvalidArgument;
                    break;
                case AdministrationFailure.NotConverged:
                    category = ErrorCategory.OperationTimeout;
                    break;
                case AdministrationFailure.CommandFailed:
                    category = ErrorCategory.InvalidResult;
                    break;
                default:
                    category = ErrorCategory.InvalidOperation;
                    break;
            }

            return new ErrorRecord(ex, "RedisCluster" + ex.Failure, category, target);
        }

        /// <summary>Keeps the engine's most recent progress report for the pipeline thread to show.</summary>
        private sealed class LatestProgress : IProgress<AdministrationProgress>
        {
            private AdministrationProgress? _latest;

            public AdministrationProgress? Latest => Volatile.Read(ref _latest);

            public void Report(AdministrationProgress value) => Volatile.Write(ref _latest, value);
        }
    }
}
