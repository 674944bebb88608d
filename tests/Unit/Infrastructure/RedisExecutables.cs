namespace RedisCluster.Tests.Infrastructure;

/// <summary>Locates redis-server and redis-cli (/usr/bin first, then PATH). Missing binaries fail loudly.</summary>
internal static class RedisExecutables
{
    private const string InstallHint = "install it with apt-get install -y redis-server redis-tools";

    private static readonly Lazy<string?> s_server = new(() => Find("redis-server"));
    private static readonly Lazy<string?> s_cli = new(() => Find("redis-cli"));

    public static string Server => s_server.Value ?? throw new InvalidOperationException($"redis-server not found: {InstallHint}");

    public static string Cli => s_cli.Value ?? throw new InvalidOperationException($"redis-cli not found: {InstallHint}");

    private static string? Find(string name)
    {
        string preferred = Path.Combine("/usr/bin", name);
        if (File.Exists(preferred))
        {
            return preferred;
        }
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (dir.Length == 0)
            {
                continue;
            }
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
