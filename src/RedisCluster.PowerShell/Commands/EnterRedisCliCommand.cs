using System;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.PowerShell.Cli;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// An interactive prompt like redis-cli -c: reads command lines through the PowerShell host, runs
    /// them through the same engine (routing, redirects, splitting), prints replies as redis-cli does.
    /// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and MONITOR print what arrives until Ctrl+C, which returns to the prompt
    /// (<see cref="CliStreams"/>). Everything goes to the host, never to the pipeline's streams: after a Ctrl+C that
    /// ended a stream the pipeline counts as stopping and refuses every write, yet the prompt goes on.
    /// </summary>
    [Cmdlet(VerbsCommon.Enter, "RedisCli", DefaultParameterSetName = ConnectionSet)]
    [OutputType(typeof(void))]
    public sealed class EnterRedisCliCommand : RedisConnectionCmdlet
    {
        /// <summary>A connection from Connect-Redis (also by pipeline, so that its TLS and credentials are used).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        /// <summary>After each reply, show the node that served it and the slot.</summary>
        [Parameter]
        public SwitchParameter ShowNode { get; set; }

        private CliInterrupt? _interrupt;

        protected override void EndProcessing()
        {
            RedisClient client = ResolveClient(Connection, out bool owned);
            _interrupt = new CliInterrupt(Host.Name == "ConsoleHost", () => base.StopProcessing());
            try
            {
                Loop(client);
            }
            finally
            {
                _interrupt.Dispose();
                if (owned)
                {
                    client.Dispose();
                }
            }
        }

        /// <summary>Ctrl+C during a stream ends the stream; otherwise it ends the prompt.</summary>
        protected override void StopProcessing()
        {
            if (_interrupt == null || !_interrupt.TakeStop())
            {
                base.StopProcessing();
            }
        }

        private void Loop(RedisClient client)
        {
            var ui = Host.UI;
            if (ui == null)
            {
                ThrowTerminatingError(new ErrorRecord(new PSNotSupportedException("Enter-RedisCli needs an interactive host to read commands from."),
                    "RedisCliNoHost", ErrorCategory.NotImplemented, null));
                return;
            }

            string prompt = client.Endpoint + (client.IsCluster ? " (cluster)" : string.Empty) + "> ";
            var streams = new CliStreams(client, ui, _interrupt!, () => PrintLog(client, warningsOnly: true));
            while (!CancelToken.IsCancellationRequested)
            {
                ui.Write(prompt);
                string? line = ui.ReadLine();
                if (line == null)
                {
                    ui.WriteLine();
                    return;
                }

                line = line.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (string.Equals(line, "quit", StringComparison.OrdinalIgnoreCase) || string.Equals(line, "exit", StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }

                RedisCommand command;
                try
                {
                    var arguments = CommandLineParser.Parse(line);
                    if (arguments.Count > 0 && CliStreams.Handles(Encoding.UTF8.GetString(arguments[0])))
                    {
                        streams.Run(arguments.Select(a => Encoding.UTF8.GetString(a)).ToList());
                        continue;
                    }

                    command = RedisCommand.Create(arguments);
                }
                catch (CommandLineParseException ex)
                {
                    ui.WriteErrorLine("Invalid argument(s): " + ex.Message);
                    continue;
                }

                RedisReply reply;
                try
                {
                    reply = WaitPrintingLog(client.ExecuteAsync(command, CancelToken), client);
                }
                catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException)
                {
                    PrintLog(client);
                    ui.WriteErrorLine("Could not run the command: " + ex.Message);
                    continue;
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                PrintLog(client);
                ui.WriteLine(CliReplyFormatter.Format(reply.Value));
                if (ShowNode)
                {
                    ui.WriteLine("-> served by " + reply.Endpoint + (reply.Slot.HasValue ? " (slot " + reply.Slot.Value + ")" : string.Empty)
                        + " in " + reply.Elapsed.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " ms");
                }
            }
        }

        /// <summary>Waits for a reply, showing the engine's messages meanwhile (Await would write them as verbose records).</summary>
        private T WaitPrintingLog<T>(Task<T> task, RedisClient client)
        {
            while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(50))
            {
                PrintLog(client);
            }

            return task.GetAwaiter().GetResult();
        }

        /// <summary>
        /// Redirects and reconnects are shown as redis-cli -c shows them, not as verbose records. While a stream runs only
        /// warnings are (a re-subscription's gap, dropped messages): its connections' comings and goings are not news there.
        /// </summary>
        private void PrintLog(RedisClient client, bool warningsOnly = false)
        {
            if (!(client.Options.Log is CmdletLog log))
            {
                return;
            }

            while (log.TryTake(out char kind, out string message))
            {
                if (!warningsOnly || kind == 'W')
                {
                    Host.UI.WriteLine("-> " + message);
                }
            }
        }
    }
}
