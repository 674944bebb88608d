using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine
{
    /// <summary>
    /// Opens the right <see cref="RedisClient"/> for what the seed turns out to be: a standalone server or a cluster.
    /// It lives outside Client and Routing because it knows both (the base class must not know its subclasses).
    /// </summary>
    public static class RedisClientFactory
    {
            /// <summary>Connects to the first reachable seed and picks standalone or cluster handling.</summary>
            public static async Task<RedisClient> ConnectAsync(IReadOnlyList<RedisEndpoint> seeds, RedisClientOptions options, CancellationToken cancellationToken = default)
            {
                if (seeds.Count == 0)
                {
                    throw new RedisConfigurationException("No endpoint was given.");
                }

                var connector = new TransportConnector(options.Connection);
                var failures = new List<Exception>();
                foreach (RedisEndpoint seed in seeds)
                {
                    var pool = new ConnectionPool(seed, connector, Math.Max(1, options.PoolSize));
                    try
                    {
                        RedisConnection first = await pool.GetAsync(0, cancellationToken).ConfigureAwait(false);
                        bool cluster = options.Mode == RedisClientMode.Cluster || (options.Mode == RedisClientMode.Auto && first.Hello.IsCluster);
                        if (cluster)
                        {
                            pool.Dispose();
                            return await ClusterRedisClient.ConnectAsync(seeds, options, connector, cancellationToken).ConfigureAwait(false);
                        }

                        return new StandaloneRedisClient(options, seed, first.Hello, pool);
                    }
                    catch (RedisAuthenticationException)
                    {
                        pool.Dispose();
                        throw;
                    }
                    catch (RedisTlsException)
                    {
                        pool.Dispose();
                        throw;
                    }
                    catch (RedisConnectionException ex)
                    {
                        pool.Dispose();
                        failures.Add(ex);
                    }
                }

                if (failures.Count == 1)
                {
                    throw failures[0];
                }

                throw new RedisConnectionException(string.Join(",", seeds), "None of the endpoints could be reached: "
                    + string.Join(" | ", failures.ConvertAll(f => f.Message)), new AggregateException(failures));
            }
    }
}
