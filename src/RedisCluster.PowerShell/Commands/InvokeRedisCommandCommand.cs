using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;
using RedisCluster.PowerShell.Binding;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Output;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Runs any Redis command. Pipeline input is sent in pipelined batches; replies are written in
    /// input order. Error replies are non-terminating errors; a broken connection is terminating.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisCommand", DefaultParameterSetName = ConnectionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(string), typeof(long), typeof(double), typeof(bool), typeof(byte[]), typeof(object[]),
        typeof(System.Collections.Specialized.OrderedDictionary), typeof(RedisErrorReply))]
    [OutputType(typeof(RedisDetailedReply))]
    public sealed class InvokeRedisCommandCommand : RedisConnectionCmdlet
    {
        private readonly List<(RedisCommand? Command, ErrorRecord? Error)> _batch = new List<(RedisCommand?, ErrorRecord?)>();
        private readonly Dictionary<string, RedisClient> _ownedClients = new Dictionary<string, RedisClient>(StringComparer.OrdinalIgnoreCase);
        private RedisClient? _client;
        private bool _endpointOnCommandLine;

        /// <summary>A command line ('SET k "a b"'), an array of arguments, or an object with a Command property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [ArgumentCompleter(typeof(Completion.CommandNameCompleter))]
        public object? Command { get; set; }

        /// <summary>A key inserted after the command's own words (so keys can come down the pipeline by property name).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object? Key { get; set; }

        /// <summary>More arguments, each sent as one argument without parsing.</summary>
        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        [ArgumentCompleter(typeof(Completion.SubcommandCompleter))]
        public object[]? ArgumentList { get; set; }

        /// <summary>A connection from Connect-Redis (also by pipeline, so that its TLS and credentials are used).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        /// <summary>Emit string replies as byte arrays (for binary values).</summary>
        [Parameter]
        public SwitchParameter AsBytes { get; set; }

        /// <summary>Emit an array reply as one object instead of unrolling it into the pipeline.</summary>
        [Parameter]
        public SwitchParameter NoEnumerate { get; set; }

        /// <summary>Emit reply objects with the command, type, node, slot and elapsed time.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        /// <summary>How many pipeline inputs to send to the server at once.</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int BatchSize { get; set; } = 1000;

        protected override void BeginProcessing()
        {
            // Before anything is sent: a misspelled -Endpiont would otherwise be sent as Redis arguments to the default server.
            RefuseUnmatchedParameters();

            // Only command-line parameters are bound at this point; anything bound later came down the pipeline.
            _endpointOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Endpoint));
        }

        protected override void ProcessRecord()
        {
            RedisClient next = SelectClient();
            if (_client != null && !ReferenceEquals(next, _client))
            {
                // Input for another server: finish what is queued for the previous one first, to keep output in input order.
                Flush();
            }

            _client = next;
            try
            {
                RedisCommand command = CommandInput.Build(Command, Key, ArgumentList);

                // Low impact: asks only under -WhatIf or -Confirm, which let a script show what it would send.
                if (!ShouldProcess(next.Endpoint.ToString(), command.ToDisplayString()))
                {
                    return;
                }

                _batch.Add((command, null));
            }
            catch (Exception ex) when (ex is CommandLineParseException || ex is ArgumentException)
            {
                _batch.Add((null, new ErrorRecord(ex, "RedisInvalidCommandLine", ErrorCategory.InvalidArgument, Command)));
            }

            if (_batch.Count >= BatchSize)
            {
                Flush();
            }
        }

        protected override void EndProcessing()
        {
            Flush();
            Release();
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            Release();
        }

        private void RefuseUnmatchedParameters()
        {
            // PowerShell hands an unmatched parameter token over as the text "-Name" (or "-Name:", or with the en or em
            // dash it also reads as a parameter's dash): without such a
            // string there is nothing to look for, and the common call is spared parsing its command line again.
            if (ArgumentList == null || !ArgumentList.Any(arg => (arg is PSObject ps ? ps.BaseObject : arg) is string text && text.Length > 1 && "-\u2013\u2014\u2015".IndexOf(text[0]) >= 0))
            {
                return;
            }

            List<string> unmatched = UnmatchedParameterTokens.Find(MyInvocation, SessionState);
            if (unmatched.Count == 0)
            {
                return;
            }

            string name = unmatched[0];
            List<string> suggestions = ParameterNameSuggestion.For(name, MyInvocation.MyCommand.Parameters.Values);
            string message = "A parameter cannot be found that matches parameter name '" + name + "'."
                + (suggestions.Count == 0 ? string.Empty : " Did you mean -" + string.Join(" or -", suggestions) + "?")
                + " Nothing was sent. To send an argument that starts with '-', quote it ('-" + name + "') or put it after --.";
            ThrowTerminatingError(new ErrorRecord(new ParameterBindingException(message), "NamedParameterNotFound", ErrorCategory.InvalidArgument, "-" + name));
        }

        /// <summary>
        /// The client for the current input: -Connection, a node named by an Endpoint property that came
        /// down the pipeline (addressed directly, since the object names one node), -Endpoint given on
        /// the command line, or the session default.
        /// </summary>
        private RedisClient SelectClient()
        {
            if (Connection != null)
            {
                return Connection;
            }

            if (ParameterSetName != EndpointSet)
            {
                return _client ?? ResolveClient(null, out _);
            }

            string key = string.Join(",", Endpoint);
            if (!_ownedClients.TryGetValue(key, out RedisClient? client))
            {
                bool fromPipeline = !_endpointOnCommandLine && MyInvocation.BoundParameters.ContainsKey(nameof(Endpoint));
                client = OpenClient(directToNode: fromPipeline && !Cluster);
                _ownedClients[key] = client;
            }

            return client;
        }

        private void Release()
        {
            foreach (RedisClient client in _ownedClients.Values)
            {
                client.Dispose();
            }

            _ownedClients.Clear();
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _client == null)
            {
                return;
            }

            var commands = new List<RedisCommand>(_batch.Count);
            foreach (var entry in _batch)
            {
                if (entry.Command != null)
                {
                    commands.Add(entry.Command);
                }
            }

            RedisClient client = _client;
            WriteDebug("Sending " + commands.Count + " command(s) to " + client.Endpoint + ".");
            IReadOnlyList<RedisReply> replies = commands.Count == 0
                ? Array.Empty<RedisReply>()
                : Terminating(() => Await(client.ExecuteBatchAsync(commands, CancelToken), client), commands[0].ToDisplayString());

            int next = 0;
            foreach (var entry in _batch)
            {
                if (entry.Error != null)
                {
                    WriteError(entry.Error);
                    continue;
                }

                Emit(replies[next++]);
            }

            _batch.Clear();
        }

        private void Emit(RedisReply reply)
        {
            RespValue value = ReplyOutput.Scrubbed(reply.Command, reply.Value);
            if (Detailed)
            {
                WriteObject(new RedisDetailedReply(reply.Command.ToDisplayString(), ReplyConverter.ToObject(value, AsBytes), value.Type.ToString(),
                    reply.Endpoint.ToString(), reply.Slot, reply.Elapsed, value.IsError));
                if (!value.IsError)
                {
                    return;
                }
            }

            ReplyOutput.Write(this, reply, value, AsBytes, NoEnumerate);
        }
    }
}
