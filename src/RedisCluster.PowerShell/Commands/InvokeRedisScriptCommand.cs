using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Scripting;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Output;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Runs a Lua script (text or file) by its SHA1 with EVALSHA, falling back to EVAL where a node does not have
    /// it cached, or a Redis function with FCALL; routed by its keys. Pipeline input runs it once per input
    /// (keys by property name), in pipelined batches, replies in input order.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisScript", DefaultParameterSetName = ConnectionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(string), typeof(long), typeof(double), typeof(bool), typeof(byte[]), typeof(object[]),
        typeof(System.Collections.Specialized.OrderedDictionary), typeof(RedisErrorReply))]
    public sealed class InvokeRedisScriptCommand : RedisConnectionCmdlet
    {
        private readonly List<ScriptCall> _batch = new List<ScriptCall>();
        private RedisClient? _client;
        private bool _ownsClient;
        private string? _clientEndpoint;
        private LuaScript? _script;

        /// <summary>The Lua script's text.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Script { get; set; }

        /// <summary>A file with the Lua script, relative to the current location.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The name of a Redis function (FUNCTION LOAD) to call with FCALL.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Function { get; set; }

        /// <summary>The keys (KEYS[1]...): they decide where the script runs.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object[]? Key { get; set; }

        /// <summary>The arguments (ARGV[1]...).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object[]? Argument { get; set; }

        /// <summary>EVALSHA_RO / EVAL_RO / FCALL_RO: the script may not write, and may run on a replica.</summary>
        [Parameter]
        public SwitchParameter ReadOnly { get; set; }

        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        [Parameter]
        public SwitchParameter AsBytes { get; set; }

        [Parameter]
        public SwitchParameter NoEnumerate { get; set; }

        [Parameter]
        [ValidateRange(1, 1000000)]
        public int BatchSize { get; set; } = 1000;

        protected override void BeginProcessing()
        {
            int sources = (Script != null ? 1 : 0) + (Path != null ? 1 : 0) + (Function != null ? 1 : 0);
            if (sources != 1)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(sources == 0
                        ? "Give the script to run: -Script with its text, -Path with its file, or -Function with the name of a Redis function."
                        : "Give only one of -Script, -Path and -Function."),
                    sources == 0 ? "RedisScriptMissing" : "RedisScriptAmbiguous", ErrorCategory.InvalidArgument, null));
            }

            if (Path != null)
            {
                string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
                if (!File.Exists(file))
                {
                    ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The script file '" + file + "' does not exist (relative paths start at "
                        + SessionState.Path.CurrentFileSystemLocation + ").", file), "RedisScriptFileNotFound", ErrorCategory.ObjectNotFound, Path));
                }

                _script = LuaScript.FromText(File.ReadAllText(file));
            }
            else if (Script != null)
            {
                _script = LuaScript.FromText(Script);
            }
        }

        protected override void ProcessRecord()
        {
            RedisClient next = SelectClient();
            ScriptCall call;
            try
            {
                List<ReadOnlyMemory<byte>> keys = CommandInput.Flatten(Key);
                List<ReadOnlyMemory<byte>> arguments = CommandInput.Flatten(Argument);
                call = _script != null ? ScriptCall.ForScript(_script, ReadOnly, keys, arguments) : ScriptCall.ForFunction(Function!, ReadOnly, keys, arguments);
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "RedisInvalidScriptArgument", ErrorCategory.InvalidArgument, Key));
                return;
            }

            string what = _script != null ? "script " + _script.Sha1.Substring(0, 12) + (Path != null ? " (" + Path + ")" : string.Empty) : "function " + Function;
            if (!ShouldProcess(next.ToString(), call.Command.Name + " " + what + " with " + call.KeyCount + " key(s): " + call.Command.ToDisplayString()))
            {
                return;
            }

            _batch.Add(call);
            if (_batch.Count >= BatchSize)
            {
                Flush();
            }
        }

        /// <summary>
        /// -Connection, else the client of the current -Endpoint (a piped object's Endpoint property can change it from
        /// one input to the next: the runs queued for the previous one are sent first), else the session default.
        /// </summary>
        private RedisClient SelectClient()
        {
            string? endpoint = Connection == null && ParameterSetName == EndpointSet ? string.Join(",", Endpoint) : null;
            if (_client != null && (Connection != null ? ReferenceEquals(Connection, _client) : endpoint == _clientEndpoint))
            {
                return _client;
            }

            Flush();
            Release();
            _clientEndpoint = endpoint;
            _client = Connection ?? ResolveClient(null, out _ownsClient);
            return _client;
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

        private void Release()
        {
            if (_ownsClient)
            {
                _client?.Dispose();
                _ownsClient = false;
            }
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _client == null)
            {
                return;
            }

            RedisClient client = _client;
            var calls = _batch.ToArray();
            _batch.Clear();
            IReadOnlyList<RedisReply> replies = Terminating(() => Await(ScriptRunner.RunAsync(client, calls, CancelToken), client), calls[0].Command.ToDisplayString());
            foreach (RedisReply reply in replies)
            {
                ReplyOutput.Write(this, reply, ReplyOutput.Scrubbed(reply.Command, reply.Value), AsBytes, NoEnumerate);
            }
        }
    }
}
