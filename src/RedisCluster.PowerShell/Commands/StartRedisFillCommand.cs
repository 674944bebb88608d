using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Fill;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Loads N GB (or MB) of random data into a server or every primary of a cluster, as fast as the
    /// servers take it, with a progress bar and a result object.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "RedisFill", DefaultParameterSetName = ConnectionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(FillResult))]
    public sealed class StartRedisFillCommand : RedisConnectionCmdlet
    {
        /// <summary>The variable that keeps the last result, also when Ctrl+C stopped the pipeline before it could be written.</summary>
        public const string LastResultVariable = "RedisLastFillResult";

        [Parameter(Position = 0)]
        [ValidateRange(0.000001, 4096)]
        public double SizeGB { get; set; }

        [Parameter]
        [ValidateRange(0.001, 4194304)]
        public double SizeMB { get; set; }

        /// <summary>Remove every key (FLUSHALL on every primary) before filling.</summary>
        [Parameter]
        public SwitchParameter Flush { get; set; }

        /// <summary>Flush without asking for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>One connection, one node after another.</summary>
        [Parameter]
        public SwitchParameter Serial { get; set; }

        [Parameter]
        [ValidateRange(1, 256)]
        public int ConnectionsPerNode { get; set; }

        [Parameter]
        [ValidateRange(16, 1048576)]
        public int KeySize { get; set; } = 512;

        [Parameter]
        [ValidateRange(1, 536870912)]
        public int ValueSize { get; set; } = 512;

        /// <summary>Seed for the random values, for reproducible data.</summary>
        [Parameter]
        public int? Seed { get; set; }

        /// <summary>Keys per pipelined write.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int BatchSize { get; set; } = 256;

        /// <summary>SET per key, or MSET of keys that share a slot (the default, cheaper per byte for the server).</summary>
        [Parameter]
        public FillCommandShape CommandShape { get; set; } = FillCommandShape.MSet;

        /// <summary>Check afterwards that the keys arrived (on by default; -Verify:$false skips it).</summary>
        [Parameter]
        public SwitchParameter Verify { get; set; } = true;

        /// <summary>Keep replies on and count every error, instead of fire-and-forget.</summary>
        [Parameter]
        public SwitchParameter WithReplies { get; set; }

        /// <summary>A connection from Connect-Redis (also by pipeline, so that its TLS and credentials are used).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        protected override void EndProcessing()
        {
            bool gb = MyInvocation.BoundParameters.ContainsKey(nameof(SizeGB));
            bool mb = MyInvocation.BoundParameters.ContainsKey(nameof(SizeMB));
            if (gb == mb)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give the amount to write with -SizeGB or -SizeMB (one of them)."),
                    "RedisFillSizeMissing", ErrorCategory.InvalidArgument, null));
            }

            long bytes = (long)(gb ? SizeGB * 1024 * 1024 * 1024 : SizeMB * 1024 * 1024);
            var options = new FillOptions
            {
                SizeBytes = bytes,
                KeySize = KeySize,
                ValueSize = ValueSize,
                ConnectionsPerNode = MyInvocation.BoundParameters.ContainsKey(nameof(ConnectionsPerNode)) ? ConnectionsPerNode : (int?)null,
                Serial = Serial,
                Seed = Seed,
                BatchSize = BatchSize,
                FireAndForget = !WithReplies,
                Verify = Verify,
                Flush = Flush,
                Shape = CommandShape,
            };

            RedisClient client = ResolveClient(Connection, out bool owned);
            try
            {
                string size = FormatBytes(bytes);
                string target = client.Endpoint + (client.IsCluster ? " (cluster of " + client.GetPrimaryEndpoints().Count + " primaries)" : string.Empty);
                bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter s && s.IsPresent;
                if (Flush)
                {
                    if ((!Force || whatIf) && !ShouldProcess(target, "Remove every key (FLUSHALL on every primary), then write " + size + " of random data"))
                    {
                        return;
                    }
                }
                else if (whatIf)
                {
                    ShouldProcess(target, "Write " + size + " of random data");
                    return;
                }

                FillRun run = Terminating(() => new FillRun(client, options, client.Options.Log), target);
                Task<FillResult> task = run.RunAsync(CancelToken);
                WaitReporting(task, client, () => ReportProgress(run.Snapshot(), target), 250);
                FillResult result = Terminating(() => task.GetAwaiter().GetResult(), target);
                SessionState.PSVariable.Set("global:" + LastResultVariable, result);
                if (CancelToken.IsCancellationRequested)
                {
                    // The pipeline is stopping and takes no more output: say what was done on the host.
                    Host.UI?.WriteWarningLine("Fill stopped: " + result.Keys.ToString("N0", CultureInfo.InvariantCulture) + " keys, "
                        + FormatBytes(result.Bytes) + " written in " + result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)
                        + " s. The result is in $" + LastResultVariable + ".");
                    return;
                }

                WriteProgress(new ProgressRecord(1, "Filling " + target, "Done") { RecordType = ProgressRecordType.Completed });
                WriteObject(result);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "RedisFillInvalidArgument", ErrorCategory.InvalidArgument, null));
            }
            finally
            {
                if (owned)
                {
                    client.Dispose();
                }
            }
        }

        private void ReportProgress(FillProgress progress, string target)
        {
            var record = new ProgressRecord(1, "Filling " + target, progress.Phase == "writing"
                ? FormatBytes(progress.Bytes) + " of " + FormatBytes(progress.TotalBytes) + " at " + progress.MBPerSecond.ToString("0.0", CultureInfo.InvariantCulture) + " MB/s"
                : progress.Phase + "...")
            {
                PercentComplete = progress.PercentComplete,
                SecondsRemaining = progress.Remaining.HasValue ? (int)Math.Ceiling(progress.Remaining.Value.TotalSeconds) : -1,
            };
            if (progress.Bytes > 0 && progress.BytesPerNode.Count > 1)
            {
                record.CurrentOperation = string.Join(", ", progress.BytesPerNode.Select(n =>
                    n.Key + " " + (n.Value * 100.0 / progress.Bytes).ToString("0", CultureInfo.InvariantCulture) + "%"));
            }

            WriteProgress(record);
        }

        private static string FormatBytes(long bytes)
            => bytes >= 1L << 30 ? (bytes / (double)(1L << 30)).ToString("0.##", CultureInfo.InvariantCulture) + " GB"
                : (bytes / 1048576.0).ToString("0.##", CultureInfo.InvariantCulture) + " MB";
    }
}
