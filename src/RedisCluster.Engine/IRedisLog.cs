namespace RedisCluster.Engine
{
    /// <summary>
    /// How the engine reports what it is doing (redirects, reconnects, retries). The PowerShell layer
    /// turns these into verbose, debug and warning records; the engine never writes to a console.
    /// Messages must never contain secrets.
    /// </summary>
    public interface IRedisLog
    {
        void Verbose(string message);

        void Debug(string message);

        void Warning(string message);
    }
}
