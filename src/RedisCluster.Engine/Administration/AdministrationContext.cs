using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Engine.Administration
{
    /// <summary>What every administration task needs: how to connect, how long to wait, where to report.</summary>
    public sealed class AdministrationContext
    {
        public AdministrationContext(ConnectionOptions connection, TimeSpan timeout, IRedisLog? log = null, IProgress<AdministrationProgress>? progress = null)
        {
            Connector = new TransportConnector(connection ?? throw new ArgumentNullException(nameof(connection)));
            Timeout = timeout;
            Log = log ?? NullRedisLog.Instance;
            Progress = progress;
        }

        public TransportConnector Connector { get; }

        /// <summary>The longest any one wait for the cluster to converge may take.</summary>
        public TimeSpan Timeout { get; }

        public IRedisLog Log { get; }

        public IProgress<AdministrationProgress>? Progress { get; }

        /// <summary>How often a wait asks the nodes again (redis-cli polls once a second; this is kinder to CI time).</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

        public Task<NodeSession> OpenAsync(RedisEndpoint endpoint, CancellationToken cancellationToken)
            => NodeSession.OpenAsync(endpoint, Connector, cancellationToken);

        /// <summary>Opens sessions to all endpoints at once; if any fails, the others are closed and the first failure thrown.</summary>
        public async Task<List<NodeSession>> OpenAllAsync(IReadOnlyList<RedisEndpoint> endpoints, CancellationToken cancellationToken)
        {
            var tasks = new List<Task<NodeSession>>();
            foreach (RedisEndpoint endpoint in endpoints)
            {
                tasks.Add(OpenAsync(endpoint, cancellationToken));
            }

            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch
            {
                foreach (Task<NodeSession> task in tasks)
                {
                    if (task.Status == TaskStatus.RanToCompletion)
                    {
                        task.Result.Dispose();
                    }
                }

                foreach (Task<NodeSession> task in tasks)
                {
                    if (task.IsFaulted)
                    {
                        throw task.Exception!.InnerException!;
                    }
                }

                throw;
            }

            return tasks.ConvertAll(t => t.Result);
        }

        public void Report(string activity, string status, int percent = -1)
        {
            Log.Verbose(status);
            Progress?.Report(new AdministrationProgress(activity, status, percent));
        }

        /// <summary>
        /// Polls <paramref name="problems"/> until it returns no problem or <see cref="Timeout"/> passes; then
        /// throws <see cref="AdministrationFailure.NotConverged"/> with the problems of the last poll.
        /// </summary>
        public async Task WaitUntilAsync(string activity, string what, Func<CancellationToken, Task<IReadOnlyList<string>>> problems, CancellationToken cancellationToken)
        {
            DateTime deadline = DateTime.UtcNow + Timeout;
            Report(activity, "Waiting until " + what + ".");
            while (true)
            {
                IReadOnlyList<string> found;
                try
                {
                    found = await problems(cancellationToken).ConfigureAwait(false);
                }
                catch (AdministrationException ex) when (ex.Failure != AdministrationFailure.NotConverged)
                {
                    // A node that restarts its links or answers an error mid-change is part of converging.
                    found = new[] { ex.Message };
                }

                if (found.Count == 0)
                {
                    return;
                }

                if (DateTime.UtcNow >= deadline)
                {
                    throw new AdministrationException(AdministrationFailure.NotConverged, null,
                        "Timed out after " + Timeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)
                        + " s waiting until " + what + ": " + string.Join("; ", found));
                }

                Progress?.Report(new AdministrationProgress(activity, "Waiting until " + what + " (" + found[0] + ").", -1));
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
