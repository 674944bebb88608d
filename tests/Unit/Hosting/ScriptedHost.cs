using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace RedisCluster.Tests.Hosting;

/// <summary>A PowerShell host whose "keyboard" is a list of lines and whose "screen" is a string, for interactive cmdlets.</summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedHostUserInterface _ui;

    public ScriptedHost(IEnumerable<string?> input)
    {
        _ui = new ScriptedHostUserInterface(input);
    }

    /// <summary>Everything written to the host, errors included, in order.</summary>
    public string Screen => _ui.Screen.ToString();

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override string Name => "RedisClusterTestHost";

    public override PSHostUserInterface UI => _ui;

    public override Version Version => new(1, 0);

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    private sealed class ScriptedHostUserInterface : PSHostUserInterface
    {
        private readonly Queue<string?> _input;

        public ScriptedHostUserInterface(IEnumerable<string?> input)
        {
            _input = new Queue<string?>(input);
        }

        public StringBuilder Screen { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;

        /// <summary>Returns the next scripted line; past the end, null, as a closed console (Ctrl+D) does.</summary>
        public override string? ReadLine()
        {
            string? line = _input.Count > 0 ? _input.Dequeue() : null;
            Screen.Append(line).Append('\n');
            return line;
        }

        public override SecureString ReadLineAsSecureString() => new();

        public override void Write(string value) => Screen.Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Screen.Append(value);

        public override void WriteLine(string value) => Screen.Append(value).Append('\n');

        public override void WriteErrorLine(string value) => Screen.Append("ERROR: ").Append(value).Append('\n');

        public override void WriteDebugLine(string message) => Screen.Append("DEBUG: ").Append(message).Append('\n');

        public override void WriteVerboseLine(string message) => Screen.Append("VERBOSE: ").Append(message).Append('\n');

        public override void WriteWarningLine(string message) => Screen.Append("WARNING: ").Append(message).Append('\n');

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions)
            => throw new NotSupportedException("Prompt: " + message);

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice)
            => throw new NotSupportedException("PromptForChoice: " + message);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName)
            => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
            => throw new NotSupportedException();
    }
}
