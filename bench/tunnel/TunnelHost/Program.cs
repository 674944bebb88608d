using System;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;

namespace RedisCluster.Bench.TunnelHost
{
    /// <summary>
    /// Starts a standalone tunnel with the engine and keeps it up until SIGTERM or SIGINT. The password comes from an environment variable so that it never shows in a process
    /// listing. Prints "READY port" once clients can connect, and the statistics when it stops.
    /// </summary>
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            if (args.Length < 4)
            {
                Console.Error.WriteLine("usage: TunnelHost <upstream host:port> <ca.crt> <user> <listen port>   (password in BENCH_REDIS_PASSWORD)");
                return 2;
            }

            var connection = new ConnectionOptions
            {
                UseTls = true,
                CaCertificatePath = args[1],
            };
            using var password = new System.Security.SecureString();
            foreach (char c in Environment.GetEnvironmentVariable("BENCH_REDIS_PASSWORD") ?? string.Empty)
            {
                password.AppendChar(c);
            }

            connection.SetCredential(args[2], password);
            var options = new TunnelOptions(RedisEndpoint.Parse(args[0]), connection)
            {
                Mode = TunnelMode.Standalone,
                ListenPort = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture),
            };
            RedisTunnel tunnel = await RedisTunnel.StartAsync(options).ConfigureAwait(false);
            Console.WriteLine("READY " + tunnel.Listeners[0].LocalPort);

            var stop = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.TrySetResult(true);
            });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                stop.TrySetResult(true);
            });

            await stop.Task.ConfigureAwait(false);
            await tunnel.StopAsync().ConfigureAwait(false);
            Console.Error.WriteLine("tunnel stopped: " + tunnel.Statistics);
            return 0;
        }
    }
}
