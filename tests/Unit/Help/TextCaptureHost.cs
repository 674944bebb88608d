using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;
using RedisCluster.Tests.Hosting;

namespace RedisCluster.Tests.Help;

/// <summary>
/// A host that records what PowerShell would print on a 120-column console, so a test can read help
/// the way a user sees it (Out-Default formats it through the host; Out-String is not available here).
/// </summary>
public sealed class TextCaptureHost : PSHost
{
    private readonly Guid _id = Guid.NewGuid();
    private readonly CaptureUserInterface _ui = new();

    public override string Name => "RedisCluster.Tests.TextCapture";

    public override Version Version => new(1, 0);

    public override Guid InstanceId => _id;

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.GetCultureInfo("en-US");

    public override CultureInfo CurrentUICulture => CultureInfo.GetCultureInfo("en-US");

    /// <summary>Runs a script in a new runspace with the staged module imported, and returns what it printed.</summary>
    public static string Render(string script)
    {
        var host = new TextCaptureHost();
        using Runspace runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
        runspace.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript("$PSStyle.OutputRendering = 'PlainText'\nImport-Module '" + RepositoryPaths.ModuleManifest.Replace("'", "''") + "' -ErrorAction Stop\n" + script)
            .AddCommand("Out-Default");
        ps.Invoke();
        if (ps.HadErrors)
        {
            throw new InvalidOperationException(string.Join("\n", ps.Streams.Error.Select(e => e.ToString())) + "\n" + host._ui.Text);
        }

        return host._ui.Text.ToString();
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class CaptureUserInterface : PSHostUserInterface
    {
        private readonly CaptureRawUserInterface _raw = new();

        public StringBuilder Text { get; } = new();

        public override PSHostRawUserInterface RawUI => _raw;

        public override string ReadLine() => string.Empty;

        public override SecureString ReadLineAsSecureString() => new();

        public override void Write(string value) => Text.Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Text.Append(value);

        public override void WriteLine(string value) => Text.Append(value).Append('\n');

        public override void WriteErrorLine(string value) => Text.Append(value).Append('\n');

        public override void WriteDebugLine(string message) => Text.Append("DEBUG: ").Append(message).Append('\n');

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => Text.Append("VERBOSE: ").Append(message).Append('\n');

        public override void WriteWarningLine(string message) => Text.Append("WARNING: ").Append(message).Append('\n');

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
            => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName)
            => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
            => throw new NotSupportedException();

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            => throw new NotSupportedException();
    }

    private sealed class CaptureRawUserInterface : PSHostRawUserInterface
    {
        public override ConsoleColor ForegroundColor { get; set; }

        public override ConsoleColor BackgroundColor { get; set; }

        public override Coordinates CursorPosition { get; set; }

        public override Coordinates WindowPosition { get; set; }

        public override int CursorSize { get; set; }

        public override Size BufferSize { get => new(120, 9999); set { } }

        public override Size WindowSize { get => new(120, 50); set { } }

        public override Size MaxWindowSize => new(120, 50);

        public override Size MaxPhysicalWindowSize => new(120, 50);

        public override bool KeyAvailable => false;

        public override string WindowTitle { get; set; } = string.Empty;

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void FlushInputBuffer()
        {
        }

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
        {
        }

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
        {
        }
    }
}
