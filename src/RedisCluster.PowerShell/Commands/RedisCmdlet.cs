using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Errors;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Shared plumbing: waits for engine tasks on the pipeline thread (so output, verbose and
    /// progress are written from the right thread), honours Ctrl+C, and maps engine failures to
    /// ErrorRecords.
    /// </summary>
    public abstract class RedisCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        protected CancellationToken CancelToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Waits for a task, writing engine log messages as they arrive.</summary>
        protected T Await<T>(Task<T> task, RedisClient? client = null)
        {
            Await((Task)task, client);
            return task.GetAwaiter().GetResult();
        }

        protected void Await(Task task, RedisClient? client = null)
        {
            WaitReporting(task, client, null, 50);
            task.GetAwaiter().GetResult();
        }

        /// <summary>
        /// Waits for a task without observing its outcome, writing engine messages (and calling
        /// <paramref name="tick"/>, e.g. for progress) every <paramref name="periodMs"/>. Once Ctrl+C is
        /// pressed the pipeline refuses every write, so nothing more is written then.
        /// </summary>
        protected void WaitReporting(Task task, RedisClient? client, Action? tick, int periodMs)
        {
            while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(periodMs))
            {
                if (!CancelToken.IsCancellationRequested)
                {
                    DrainLog(client);
                    tick?.Invoke();
                }
            }

            if (!CancelToken.IsCancellationRequested)
            {
                DrainLog(client);
            }
        }

        protected void DrainLog(RedisClient? client) => DrainLog(client?.Options.Log as CmdletLog);

        internal void DrainLog(CmdletLog? log)
        {
            while (log != null && log.TryTake(out char kind, out string message))
            {
                switch (kind)
                {
                    case 'W':
                        WriteWarning(message);
                        break;
                    case 'D':
                        WriteDebug(message);
                        break;
                    default:
                        WriteVerbose(message);
                        break;
                }
            }
        }

        /// <summary>Turns an engine exception into an ErrorRecord with a category that fits it.</summary>
        protected static ErrorRecord ToErrorRecord(Exception exception, object? target)
        {
            Exception ex = exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1 ? aggregate.InnerException! : exception;
            string id;
            ErrorCategory category;
            switch (ex)
            {
                case RedisAuthenticationException _:
                    id = "RedisAuthenticationFailed";
                    category = ErrorCategory.AuthenticationError;
                    break;
                case RedisTlsException _:
                    id = "RedisTlsFailed";
                    category = ErrorCategory.SecurityError;
                    break;
                case RedisTimeoutException _:
                    id = "RedisTimeout";
                    category = ErrorCategory.OperationTimeout;
                    break;
                case RedisConnectionException _:
                    id = "RedisConnectionFailed";
                    category = ErrorCategory.ConnectionError;
                    break;
                case RedisTargetException _:
                    id = "RedisInvalidTarget";
                    category = ErrorCategory.InvalidOperation;
                    break;
                case RedisCrossSlotException _:
                    id = "RedisCrossSlot";
                    category = ErrorCategory.InvalidArgument;
                    break;
                case RedisTransactionException _:
                    id = "RedisTransactionFailed";
                    category = ErrorCategory.InvalidOperation;
                    break;
                case RedisConfigurationException _:
                    id = "RedisInvalidConfiguration";
                    category = ErrorCategory.InvalidArgument;
                    break;
                case OperationCanceledException _:
                    id = "RedisOperationStopped";
                    category = ErrorCategory.OperationStopped;
                    break;
                case ObjectDisposedException _:
                    id = "RedisConnectionClosed";
                    category = ErrorCategory.ResourceUnavailable;
                    break;
                default:
                    id = "RedisError";
                    category = ErrorCategory.NotSpecified;
                    break;
            }

            return new ErrorRecord(ex, id, category, target);
        }

        /// <summary>Runs an engine call; an engine failure stops the cmdlet with a proper ErrorRecord.</summary>
        protected T Terminating<T>(Func<T> call, object? target)
        {
            try
            {
                return call();
            }
            catch (Exception ex) when (ex is RedisException || ex is OperationCanceledException || ex is ObjectDisposedException
                || (ex is AggregateException a && (a.InnerException is RedisException || a.InnerException is ObjectDisposedException || a.InnerException is OperationCanceledException)))
            {
                ThrowTerminatingError(ToErrorRecord(ex, target));
                throw; // not reached: ThrowTerminatingError always throws
            }
        }
    }
}
