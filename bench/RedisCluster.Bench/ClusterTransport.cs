using System.Management.Automation;
using System.Security;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// How the smart-tunnel benchmark reaches one of its clusters: plaintext with the default user, or TLS with an
/// ACL user. Holds both forms of the same settings, redis-benchmark's arguments for the direct runs and the
/// module's parameters for the tunnel and for populating the keys.
/// </summary>
public sealed class ClusterTransport
{
    private const string AclUser = "bench";
    private const string AclPassword = "bench-S3cret!";

    private ClusterTransport(string name, bool tls, IReadOnlyList<string> directArgs, string moduleParameters, IReadOnlyDictionary<string, object?> variables)
    {
        Name = name;
        IsTls = tls;
        DirectArgs = directArgs;
        ModuleParameters = moduleParameters;
        Variables = variables;
    }

    public string Name { get; }

    public bool IsTls { get; }

    /// <summary>redis-benchmark's connection arguments for the direct runs (the password is on its command line: it has no other way).</summary>
    public IReadOnlyList<string> DirectArgs { get; }

    /// <summary>Parameters for Start-RedisTunnel and Connect-Redis; they name session variables, never a secret.</summary>
    public string ModuleParameters { get; }

    /// <summary>The session variables <see cref="ModuleParameters"/> refers to.</summary>
    public IReadOnlyDictionary<string, object?> Variables { get; }

    public IEnumerable<(string User, string Password)> AclUsers => IsTls ? new[] { (AclUser, AclPassword) } : Array.Empty<(string, string)>();

    public static ClusterTransport Plaintext() =>
        new("plaintext, default user", false, Array.Empty<string>(), string.Empty, new Dictionary<string, object?>());

    /// <summary>TLS-only nodes (no plaintext port, the bus over TLS too) with the test CA, and an ACL user.</summary>
    public static ClusterTransport TlsWithAcl()
    {
        string ca = TestCertificates.Shared.CaCertPath;
        var password = new SecureString();
        foreach (char c in AclPassword)
        {
            password.AppendChar(c);
        }

        password.MakeReadOnly();
        return new ClusterTransport(
            $"TLS, ACL user '{AclUser}'",
            true,
            new[] { "--tls", "--cacert", ca, "--user", AclUser, "-a", AclPassword },
            "-Tls -CaCertificatePath $benchCa -Credential $benchCredential",
            new Dictionary<string, object?> { ["benchCa"] = ca, ["benchCredential"] = new PSCredential(AclUser, password) });
    }
}
