using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using System.Text;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Transactions;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Output;
using RedisCluster.PowerShell.Transactions;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Runs a script block as one MULTI/EXEC transaction on a connection of its own: -Watch keys are watched first,
    /// the block reads with $tx.Read and queues with $tx.Queue, and the queued commands run atomically when it ends.
    /// A watched key that changed re-runs the block (-RetryCount) or is reported as an abort.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisTransaction", DefaultParameterSetName = ConnectionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(string), typeof(long), typeof(double), typeof(bool), typeof(byte[]), typeof(object[]),
        typeof(System.Collections.Specialized.OrderedDictionary), typeof(RedisErrorReply))]
    [OutputType(typeof(RedisTransactionResult))]
    public sealed class InvokeRedisTransactionCommand : RedisConnectionCmdlet
    {
        /// <summary>The block: receives the transaction (param($tx), also $_) and any -ArgumentList values after it.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public ScriptBlock ScriptBlock { get; set; } = null!;

        /// <summary>Keys to WATCH before the block runs: EXEC does nothing if one of them changes meanwhile.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Watch { get; set; }

        /// <summary>How many times to run the block again when a watched key changed.</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public int RetryCount { get; set; }

        /// <summary>Values passed to the block after the transaction.</summary>
        [Parameter]
        public object[]? ArgumentList { get; set; }

        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        [Parameter]
        public SwitchParameter AsBytes { get; set; }

        /// <summary>Write one RedisTransactionResult instead of the replies (and no error for an abort).</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            RedisClient client = ResolveClient(Connection, out bool owned);
            List<byte[]> watched = (Watch ?? Array.Empty<string>()).Select(k => Encoding.UTF8.GetBytes(k)).ToList();
            RedisTransactionOutcome outcome;
            try
            {
                outcome = Terminating(() => RedisTransactionRunner.Run(client, watched, RunBlock, t => Confirm(t, client), RetryCount, CancelToken), client.Endpoint.ToString());
            }
            catch (RuntimeException ex) when (!(ex is PipelineStoppedException))
            {
                // The block failed (or threw on purpose): nothing queued was sent, and closing the connection dropped the WATCH.
                ThrowTerminatingError(ex.ErrorRecord);
                throw;
            }
            finally
            {
                DrainLog(client);
                if (owned)
                {
                    client.Dispose();
                }
            }

            Emit(outcome);
        }

        private void RunBlock(RedisTransaction transaction)
        {
            var context = new RedisTransactionContext(transaction, AsBytes, CancelToken);
            var arguments = new List<object?> { context };
            arguments.AddRange(ArgumentList ?? Array.Empty<object>());
            try
            {
                ScriptBlock.InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", context) }, arguments.ToArray());
            }
            catch (RuntimeException ex)
            {
                // An engine failure inside $tx.Read or $tx.Queue arrives wrapped (MethodInvocationException): unwrapped,
                // the runner sees a moved slot, and the cmdlet reports a cross-slot or connection failure as itself.
                for (Exception? inner = ex.InnerException; inner != null; inner = inner.InnerException)
                {
                    if (inner is RedisException || inner is OperationCanceledException)
                    {
                        ExceptionDispatchInfo.Capture(inner).Throw();
                    }
                }

                throw;
            }
        }

        private bool Confirm(RedisTransaction transaction, RedisClient client)
        {
            string target = transaction.Node?.ToString() ?? (transaction.Slot != null ? "slot " + transaction.Slot + " of " + client : client.ToString());
            return ShouldProcess(target, "MULTI; " + string.Join("; ", transaction.Queued.Select(c => c.ToDisplayString())) + "; EXEC");
        }

        private void Emit(RedisTransactionOutcome outcome)
        {
            string[] watched = Watch ?? Array.Empty<string>();
            if (Detailed)
            {
                object?[] replies = outcome.Replies.Select(r => ReplyConverter.ToObject(ReplyOutput.Scrubbed(r.Command, r.Value), AsBytes)).ToArray();
                WriteObject(new RedisTransactionResult(outcome.Status, outcome.Commands.Select(c => c.ToDisplayString()).ToArray(), replies,
                    outcome.Attempts, outcome.Node?.ToString(), outcome.Slot, watched));
                return;
            }

            switch (outcome.Status)
            {
                case TransactionStatus.Committed:
                    for (int i = 0; i < outcome.Replies.Count; i++)
                    {
                        var reply = outcome.Replies[i];
                        RespValue value = ReplyOutput.Scrubbed(reply.Command, reply.Value);

                        // One object per command, arrays whole, so the output lines up with the queued commands.
                        WriteObject(ReplyConverter.ToObject(value, AsBytes));
                        if (value.IsError)
                        {
                            WriteError(ServerErrorRecord.For(reply.Command, value.GetString() ?? string.Empty, reply.Endpoint,
                                "command " + (i + 1) + " of " + outcome.Replies.Count + " in the transaction, the others ran; "));
                        }
                    }

                    break;
                case TransactionStatus.Aborted:
                    var aborted = new RedisTransactionException("The transaction was aborted because a watched key (" + string.Join(", ", watched)
                        + ") changed after WATCH; none of its " + outcome.Commands.Count + " command(s) ran. The block ran " + outcome.Attempts
                        + " time(s); -RetryCount runs it again when this happens.");
                    WriteError(new ErrorRecord(aborted, "RedisTransactionAborted", ErrorCategory.ResourceBusy, watched));
                    break;
                case TransactionStatus.NothingQueued:
                    WriteVerbose("The block queued no command, so no MULTI/EXEC was sent.");
                    break;
            }
        }
    }
}
