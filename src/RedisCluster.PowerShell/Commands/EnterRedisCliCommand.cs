using System;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Session;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// An interactive prompt like redis-cli -c: reads command lines through the PowerShell host, runs
    /// them through the same engine (routing, redirects, splitting), prints replies as redis-cli does.
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

        protected override void EndProcessing()
        {
            RedisClient client = ResolveClient(Connection, out bool owned);
            try
            {
                Loop(client);
            }
            finally
            {
                if (owned)
                {
                    client.Dispose();
                }
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
                    command = RedisCommand.Create(CommandLineParser.Parse(line));
                }
                catch (CommandLineParseException ex)
                {
                    ui.WriteErrorLine("Invalid argument(s): " + ex.Message);
                    continue;
                }

                RedisReply reply;
                try
                {
                    reply = Await(client.ExecuteAsync(command, CancelToken));
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

        /// <summary>Redirects and reconnects are shown as redis-cli -c shows them, not as verbose records.</summary>
        private void PrintLog(RedisClient client)
        {
            if (!(client.Options.Log is CmdletLog log))
            {
                return;
            }

            while (log.TryTake(out char kind, out string message))
            {
                Host.UI.WriteLine("-> " + message);
            }
        }
    }
}
