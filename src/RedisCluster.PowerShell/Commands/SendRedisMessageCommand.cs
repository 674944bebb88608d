using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Output;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Publishes messages (PUBLISH, or SPUBLISH with -Sharded), one per pipeline input, in pipelined batches,
    /// and writes how many subscribers each one reached.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "RedisMessage", DefaultParameterSetName = ConnectionSet)]
    [OutputType(typeof(RedisPublishResult))]
    public sealed class SendRedisMessageCommand : RedisConnectionCmdlet
    {
        private readonly List<(string Channel, RedisCommand Command)> _batch = new List<(string, RedisCommand)>();
        private RedisClient? _client;
        private bool _ownsClient;
        private string? _clientEndpoints;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Channel { get; set; } = string.Empty;

        /// <summary>The message: text (sent as UTF-8), a byte array as it is, anything else as its text.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public object Message { get; set; } = string.Empty;

        /// <summary>SPUBLISH to a shard channel (Redis 7.0+) instead of PUBLISH.</summary>
        [Parameter]
        public SwitchParameter Sharded { get; set; }

        /// <summary>Messages sent in one pipelined round trip.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int BatchSize { get; set; } = 1000;

        /// <summary>A connection from Connect-Redis (or the Connection property of piped objects).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        protected override void ProcessRecord()
        {
            // Piped objects can name another connection or endpoint each: what is batched so far goes to the old one.
            string endpoints = string.Join(",", Endpoint);
            if (_client == null || (Connection != null && Connection != _client) || (_ownsClient && endpoints != _clientEndpoints))
            {
                Flush();
                CloseOwnedClient();
                _client = ResolveClient(Connection, out _ownsClient);
                _clientEndpoints = endpoints;
            }

            _batch.Add((Channel, RedisCommand.Create(new[]
            {
                System.Text.Encoding.UTF8.GetBytes(Sharded ? "SPUBLISH" : "PUBLISH"),
                System.Text.Encoding.UTF8.GetBytes(Channel),
                CommandInput.ToArgument(Message),
            })));
            if (_batch.Count >= BatchSize)
            {
                Flush();
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                Flush();
            }
            finally
            {
                CloseOwnedClient();
            }
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _client == null)
            {
                return;
            }

            RedisClient client = _client;
            var commands = new List<RedisCommand>(_batch.Count);
            foreach (var entry in _batch)
            {
                commands.Add(entry.Command);
            }

            IReadOnlyList<RedisReply> replies = Terminating(() => Await(client.ExecuteBatchAsync(commands, CancelToken), client), commands[0].ToDisplayString());
            for (int i = 0; i < replies.Count; i++)
            {
                RedisReply reply = replies[i];
                if (reply.Value.IsError)
                {
                    string message = reply.Value.GetString() ?? string.Empty;
                    var error = new RedisServerErrorException(message, reply.Command.ToDisplayString());
                    var record = new ErrorRecord(error, "RedisPublishFailed", ServerErrorCategory.For(error.Prefix, message), _batch[i].Channel);
                    record.ErrorDetails = new ErrorDetails(message + " (channel: " + _batch[i].Channel + ", server: " + reply.Endpoint + ")");
                    WriteError(record);
                    continue;
                }

                WriteObject(new RedisPublishResult(_batch[i].Channel, reply.Value.Integer, reply.Endpoint.ToString(), Sharded));
            }

            _batch.Clear();
        }

        private void CloseOwnedClient()
        {
            if (_ownsClient)
            {
                _client?.Dispose();
                _client = null;
                _ownsClient = false;
            }
        }
    }
}
