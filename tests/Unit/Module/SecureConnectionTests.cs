using System.Management.Automation;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>TLS and ACL authentication through Connect-Redis and Invoke-RedisCommand.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class SecureConnectionTests : IDisposable
{
    private readonly StandaloneFixture _redis;
    private readonly PowerShellSession _ps = new();

    public SecureConnectionTests(StandaloneFixture redis)
    {
        _redis = redis;
    }

    public void Dispose() => _ps.Dispose();

    private Dictionary<string, object?> Vars(string password) => new()
    {
        ["cred"] = new PSCredential(StandaloneFixture.AclUser, ToSecure(password)),
        ["ca"] = TestCertificates.Shared.CaCertPath,
        ["otherCa"] = TestCertificates.Shared.OtherCaCertPath,
        ["cert"] = TestCertificates.Shared.ClientCertPath,
        ["key"] = TestCertificates.Shared.ClientKeyPath,
    };

    private static System.Security.SecureString ToSecure(string text)
    {
        var s = new System.Security.SecureString();
        foreach (char c in text)
        {
            s.AppendChar(c);
        }

        return s;
    }

    [Fact]
    public void AclUserAuthenticates()
    {
        var output = _ps.RunClean($@"
            Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port} -Credential $cred | Out-Null
            Invoke-RedisCommand ACL WHOAMI", Vars(StandaloneFixture.AclPassword));
        Assert.Equal(new object?[] { StandaloneFixture.AclUser }, output);
    }

    [Fact]
    public void WrongPasswordFailsClearlyWithoutRevealingIt()
    {
        const string wrong = "Not-The-Right-Pa55word";
        var (record, result) = _ps.RunExpectingTerminatingError($@"Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.Port} -Credential $cred -Verbose -Debug", Vars(wrong));
        Assert.Equal(ErrorCategory.AuthenticationError, record.CategoryInfo.Category);
        Assert.Contains("alice", record.Exception.Message);
        Assert.Contains("password is wrong", record.Exception.Message);
        Assert.DoesNotContain(wrong, result.AllText());
        Assert.DoesNotContain(wrong, record.Exception.ToString());
    }

    [Fact]
    public void TlsWithCaFileWorks()
    {
        var output = _ps.RunClean($@"
            Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.TlsPort} -Tls -CaCertificatePath $ca -Credential $cred | Out-Null
            Invoke-RedisCommand PING
            (Connect-Redis -Endpoint 127.0.0.1:{_redis.Server.TlsPort} -Tls -CaCertificatePath $ca -NoDefault).Tls", Vars(StandaloneFixture.AclPassword));
        Assert.Equal(new object?[] { "PONG", true }, output);
    }

    [Fact]
    public void TlsWithClientCertificateWorksWhereTheServerRequiresOne()
    {
        var server = _redis.TlsRequiredClientCert;
        var output = _ps.RunClean($@"
            Invoke-RedisCommand PING -Endpoint 127.0.0.1:{server.TlsPort} -Tls -CaCertificatePath $ca -ClientCertificatePath $cert -ClientKeyPath $key", Vars("x"));
        Assert.Equal(new object?[] { "PONG" }, output);
    }

    [Fact]
    public void MissingClientCertificateIsAClearError()
    {
        var server = _redis.TlsRequiredClientCert;
        var (record, _) = _ps.RunExpectingTerminatingError($@"Invoke-RedisCommand PING -Endpoint 127.0.0.1:{server.TlsPort} -Tls -CaCertificatePath $ca -ConnectTimeout 5", Vars("x"));
        Assert.Contains("certificate", record.Exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UntrustedServerCertificateIsRefusedByDefault()
    {
        var (record, _) = _ps.RunExpectingTerminatingError($@"Invoke-RedisCommand PING -Endpoint 127.0.0.1:{_redis.Server.TlsPort} -Tls -CaCertificatePath $otherCa", Vars("x"));
        Assert.Equal(ErrorCategory.SecurityError, record.CategoryInfo.Category);
        Assert.Contains("refused", record.Exception.Message);

        var (systemStore, _) = _ps.RunExpectingTerminatingError($@"Invoke-RedisCommand PING -Endpoint 127.0.0.1:{_redis.Server.TlsPort} -Tls", Vars("x"));
        Assert.Contains("system store", systemStore.Exception.Message);

        var skipped = _ps.RunClean($@"Invoke-RedisCommand PING -Endpoint 127.0.0.1:{_redis.Server.TlsPort} -Tls -SkipCertificateCheck", Vars("x"));
        Assert.Equal(new object?[] { "PONG" }, skipped);
    }

    [Fact]
    public void TlsClientOnAPlaintextPortFailsWithAHint()
    {
        var (record, _) = _ps.RunExpectingTerminatingError($@"Invoke-RedisCommand PING -Endpoint 127.0.0.1:{_redis.Server.Port} -Tls -CaCertificatePath $ca -ConnectTimeout 2", Vars("x"));
        Assert.Contains("plaintext", record.Exception.Message);
    }
}
