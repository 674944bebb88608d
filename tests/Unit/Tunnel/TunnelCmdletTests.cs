using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Sockets;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel;

/// <summary>
/// Start-RedisTunnel in a hosted runspace with the staged module, where the check needs the host or the engine:
/// a foreground tunnel stopped by PowerShell's Stop (Ctrl+C), tunnels ending with the runspace that started them,
/// a wrong credential refused at start without the secret, and Smart mode refused for a standalone server.
/// The cmdlets as a user drives them in pwsh are tests/Pester/Tunnel.Tests.ps1's.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class TunnelCmdletTests : IDisposable
{
    private readonly StandaloneFixture _redis;
    private readonly PowerShellSession _ps = new();

    public TunnelCmdletTests(StandaloneFixture redis)
    {
        _redis = redis;
    }

    public void Dispose()
    {
        _ps.Run("Get-RedisTunnel | Stop-RedisTunnel");
        _ps.Dispose();
    }

    private Dictionary<string, object?> Vars(int listenPort, string password = StandaloneFixture.AclPassword) => new()
    {
        ["cred"] = new PSCredential(StandaloneFixture.AclUser, Secure(password)),
        ["ca"] = TestCertificates.Shared.CaCertPath,
        ["upstream"] = "127.0.0.1:" + _redis.Server.TlsPort,
        ["port"] = listenPort,
    };

    private static System.Security.SecureString Secure(string text)
    {
        var s = new System.Security.SecureString();
        foreach (char c in text)
        {
            s.AppendChar(c);
        }

        return s;
    }

    [Fact]
    public void ForegroundWritesTheTunnelAndStopsCleanlyOnCtrlC()
    {
        int port = FreePorts.PickListener();
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        foreach (var pair in Vars(port))
        {
            runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);
        }

        var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript("Import-Module '" + RepositoryPaths.ModuleManifest.Replace("'", "''") + "' -ErrorAction Stop\n"
            + "Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -Verbose");
        var output = new PSDataCollection<PSObject>();
        IAsyncResult async = ps.BeginInvoke<PSObject, PSObject>(null, output);
        try
        {
            var deadline = DateTime.UtcNow + Poll.Deadline;
            while (output.Count == 0)
            {
                // Streams are read with ReadAll: enumerating a PSDataCollection still open blocks.
                if (async.IsCompleted)
                {
                    Assert.Fail("the foreground tunnel ended early: " + string.Join("; ", ps.Streams.Error.ReadAll()));
                }

                Assert.True(DateTime.UtcNow < deadline, "no tunnel object was written");
                Thread.Sleep(50);
            }
            var tunnel = Assert.IsType<RedisTunnel>(output[0].BaseObject);
            using (var client = RawRespClient.Connect(port))
            {
                Assert.Equal("PONG", client.Call("PING").GetString());
            }

            Assert.False(async.IsCompleted, "the foreground tunnel must keep running");
            ps.Stop();
            Assert.True(async.AsyncWaitHandle.WaitOne(Poll.Deadline), "Ctrl+C did not end the tunnel");
            Assert.Equal(TunnelState.Stopped, tunnel.State);
            Assert.DoesNotContain(_ps.RunClean("Get-RedisTunnel"), o => ReferenceEquals(o, tunnel));
            Assert.Throws<SocketException>(() => RawRespClient.Connect(port).Dispose());
            string verbose = string.Join("\n", ps.Streams.Verbose.ReadAll().Select(v => v.Message));
            Assert.Contains("listening on 127.0.0.1:" + port, verbose);
            Assert.DoesNotContain(StandaloneFixture.AclPassword, verbose);
        }
        finally
        {
            ps.Dispose();
        }
    }

    [Fact]
    public void AWrongPasswordFailsAtStartWithoutRevealingIt()
    {
        const string wrong = "Not-The-Tunnel-Pa55";
        int port = FreePorts.PickListener();
        var (error, result) = _ps.RunExpectingTerminatingError(
            "Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -PassThru -Verbose", Vars(port, wrong));
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain(wrong, result.AllText());
        Assert.Throws<SocketException>(() => RawRespClient.Connect(port).Dispose());
    }

    [Fact]
    public void SmartModeRefusesAStandaloneServer()
    {
        var (error, _) = _ps.RunExpectingTerminatingError(
            "Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -Mode Smart -PassThru", Vars(FreePorts.PickListener()));
        Assert.Contains("Smart mode needs a cluster", error.ToString());
    }

    [Fact]
    public async Task TunnelsStopWhenTheirRunspaceCloses()
    {
        int port = FreePorts.PickListener();
        RedisTunnel tunnel;
        using (var other = new PowerShellSession())
        {
            tunnel = Assert.IsType<RedisTunnel>(other.RunClean(
                "Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -PassThru", Vars(port))[0]);

            // Visible process-wide, from this session too.
            Assert.Contains(_ps.RunClean("Get-RedisTunnel"), o => ReferenceEquals(o, tunnel));
        }

        await tunnel.WhenStopped().WaitAsync(Poll.Deadline);
        Assert.Equal(TunnelState.Stopped, tunnel.State);
        Assert.DoesNotContain(_ps.RunClean("Get-RedisTunnel"), o => ReferenceEquals(o, tunnel));
    }
}
