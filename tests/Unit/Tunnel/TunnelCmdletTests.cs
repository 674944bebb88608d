using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel;

/// <summary>Start-, Get- and Stop-RedisTunnel in a real runspace with the staged module, as a user runs them.</summary>
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
    public void PassThruReturnsAtOnceAndTheTunnelServesUntilStopped()
    {
        int port = FreePorts.PickListener();
        var output = _ps.RunClean(@"
            $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -Name ci-tunnel -PassThru
            $t
            Invoke-RedisCommand -Endpoint ""127.0.0.1:$port"" SET tunnel:ps 'via tunnel'
            Invoke-RedisCommand -Endpoint ""127.0.0.1:$port"" ACL WHOAMI
            (Get-RedisTunnel ci-*).Name
            (Get-RedisTunnel -Id $t.Id).Statistics.CommandsRelayed -gt 0", Vars(port));
        var tunnel = Assert.IsType<RedisTunnel>(output[0]);
        Assert.Equal(TunnelMode.Standalone, tunnel.Mode);
        Assert.Equal("127.0.0.1:" + port, Assert.Single(tunnel.Listeners).LocalEndpoint);
        Assert.Equal(new object?[] { "OK", StandaloneFixture.AclUser, "ci-tunnel", true }, output.Skip(1));
        Assert.Equal("via tunnel", _redis.Server.Cli("GET", "tunnel:ps"));

        var stopped = _ps.RunClean("Stop-RedisTunnel -Name ci-tunnel -PassThru; @(Get-RedisTunnel -Name ci-tunnel -ErrorAction SilentlyContinue).Count");
        Assert.Equal(TunnelState.Stopped, Assert.IsType<RedisTunnel>(stopped[0]).State);
        Assert.Equal(0, stopped[1]);
        Assert.Throws<SocketException>(() => RawRespClient.Connect(port).Dispose());
    }

    [Fact]
    public void AStoppedTunnelIsNeverListedAgain()
    {
        // The registry used to drop a tunnel in a continuation of its Completion, on the thread pool, so a
        // Get-RedisTunnel right after the stop could still list it; on a busy machine it often did. Many
        // rounds make the old race show up here even on an idle one.
        var output = _ps.RunClean(@"
            $seen = 0
            foreach ($i in 1..50) {
                $t = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru
                Stop-RedisTunnel -Tunnel $t
                $seen += @(Get-RedisTunnel -Id $t.Id -ErrorAction SilentlyContinue).Count
                $d = Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort 0 -PassThru
                $d.Dispose()
                $seen += @(Get-RedisTunnel -Id $d.Id -ErrorAction SilentlyContinue).Count
            }
            $seen", Vars(0));
        Assert.Equal(new object?[] { 0 }, output);
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
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
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
            Assert.True(async.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(15)), "Ctrl+C did not end the tunnel");
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
    public void ANonLoopbackListenAddressIsWarnedAbout()
    {
        int port = FreePorts.PickListener();
        var result = _ps.Run("Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenAddress 0.0.0.0 -ListenPort $port -PassThru | Out-Null", Vars(port));
        Assert.Null(result.Terminating);
        string warning = Assert.Single(result.Warnings);
        Assert.Contains("0.0.0.0", warning);
        Assert.Contains("not on a loopback address", warning);
        Assert.DoesNotContain(StandaloneFixture.AclPassword, result.AllText());
    }

    [Fact]
    public void ATakenPortIsAClearTerminatingError()
    {
        int port = FreePorts.PickListener();
        var blocker = new TcpListener(IPAddress.Loopback, port);
        blocker.Start();
        try
        {
            var (error, result) = _ps.RunExpectingTerminatingError(
                "Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -PassThru", Vars(port));
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            Assert.StartsWith("RedisTunnelPortInUse", error.FullyQualifiedErrorId);
            Assert.Contains("127.0.0.1:" + port + " ", error.Exception.Message);
            Assert.Contains("-ListenPort", error.Exception.Message);
            Assert.Empty(_ps.RunClean("@(Get-RedisTunnel)"));
        }
        finally
        {
            blocker.Stop();
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
    public void StoppingAnUnknownTunnelIsANonTerminatingError()
    {
        var output = _ps.RunClean("Stop-RedisTunnel -Name no-such-tunnel -ErrorVariable e -ErrorAction SilentlyContinue; $e[0].FullyQualifiedErrorId; 'after'");
        Assert.Equal(new object?[] { "RedisTunnelNotFound,RedisCluster.PowerShell.Commands.StopRedisTunnelCommand", "after" }, output);
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

        await tunnel.WhenStopped().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(TunnelState.Stopped, tunnel.State);
        Assert.DoesNotContain(_ps.RunClean("Get-RedisTunnel"), o => ReferenceEquals(o, tunnel));
    }

    [Fact]
    public async Task RemovingTheModuleStopsItsTunnels()
    {
        int port = FreePorts.PickListener();
        using var other = new PowerShellSession();
        var tunnel = Assert.IsType<RedisTunnel>(other.RunClean(
            "Start-RedisTunnel -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -ListenPort $port -PassThru", Vars(port))[0]);
        other.RunClean("Remove-Module RedisCluster");
        Assert.Equal(TunnelState.Stopped, tunnel.State);
        Assert.DoesNotContain(_ps.RunClean("Get-RedisTunnel"), o => ReferenceEquals(o, tunnel));
        await tunnel.WhenStopped().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Throws<SocketException>(() => RawRespClient.Connect(port).Dispose());
    }

    [Fact]
    public void AnOpenConnectionLendsItsSettingsToTheTunnel()
    {
        int port = FreePorts.PickListener();
        var output = _ps.RunClean(@"
            $c = Connect-Redis -Endpoint $upstream -Tls -CaCertificatePath $ca -Credential $cred -NoDefault
            $t = $c | Start-RedisTunnel -ListenPort $port -PassThru
            $t.User
            $t.Tls
            Invoke-RedisCommand -Endpoint ""127.0.0.1:$port"" ACL WHOAMI
            $t | Stop-RedisTunnel", Vars(port));
        Assert.Equal(new object?[] { StandaloneFixture.AclUser, true, StandaloneFixture.AclUser }, output);
    }
}
