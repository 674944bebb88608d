using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Client.PubSub;
using RedisCluster.Engine.Errors;
using RedisCluster.PowerShell.Conversion;
using RedisCluster.PowerShell.Output;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Subscribes to channels, patterns and shard channels and writes each message to the pipeline as it
    /// arrives, until -Count messages, -Timeout seconds, Ctrl+C, or a downstream command that needs no more
    /// (Select-Object -First) ends it. The subscription lives on connections of its own and ends with the cmdlet.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "RedisMessage", DefaultParameterSetName = ConnectionSet)]
    [OutputType(typeof(RedisMessage))]
    public sealed class ReceiveRedisMessageCommand : RedisConnectionCmdlet
    {
        /// <summary>How often the wait for a message looks at the clock and at Ctrl+C.</summary>
        private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(200);

        /// <summary>Channels to subscribe to (SUBSCRIBE).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Channel { get; set; }

        /// <summary>Glob-style patterns of channels to subscribe to (PSUBSCRIBE).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Pattern { get; set; }

        /// <summary>Shard channels to subscribe to (SSUBSCRIBE, Redis 7.0+).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? ShardChannel { get; set; }

        /// <summary>Stop after this many messages.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop after this many seconds.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Timeout { get; set; }

        /// <summary>Write each message's payload as a byte array rather than as text.</summary>
        [Parameter]
        [Alias("AsBytes")]
        public SwitchParameter AsByteArray { get; set; }

        /// <summary>Messages kept while the pipeline is busy; more are dropped and counted.</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int QueueSize { get; set; } = 10000;

        /// <summary>A connection from Connect-Redis (also by pipeline, so that its TLS and credentials are used).</summary>
        [Parameter(ParameterSetName = ConnectionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public RedisClient? Connection { get; set; }

        protected override void ProcessRecord()
        {
            var subscriptions = new List<(SubscriptionKind Kind, string[] Names)>();
            Add(subscriptions, SubscriptionKind.Channel, Channel);
            Add(subscriptions, SubscriptionKind.Pattern, Pattern);
            Add(subscriptions, SubscriptionKind.ShardChannel, ShardChannel);
            if (subscriptions.Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Name what to listen to: -Channel, -Pattern or -ShardChannel (or several)."),
                    "RedisNoSubscription", ErrorCategory.InvalidArgument, null));
            }

            RedisClient client = ResolveClient(Connection, out bool owned);
            var subscriber = new RedisSubscriber(client, new SubscriberOptions { MaxQueuedMessages = QueueSize });
            try
            {
                foreach (var (kind, names) in subscriptions)
                {
                    Subscribe(subscriber, client, kind, names);
                    WriteVerbose("Subscribed to " + Describe(kind) + " " + string.Join(", ", names) + ".");
                }

                int written = Listen(subscriber, client);
                if (!CancelToken.IsCancellationRequested)
                {
                    DrainLog(client);
                    ReportEnd(subscriber, written);
                }
            }
            finally
            {
                // Also reached when a downstream Select-Object -First stops the pipeline: the subscription ends here.
                subscriber.Dispose();
                if (owned)
                {
                    client.Dispose();
                }
            }
        }

        private void Subscribe(RedisSubscriber subscriber, RedisClient client, SubscriptionKind kind, string[] names)
        {
            RedisServerErrorException? refused = null;
            Terminating(() =>
            {
                try
                {
                    Await(subscriber.SubscribeAsync(kind, names, CancelToken), client);
                }
                catch (RedisServerErrorException ex)
                {
                    refused = ex;
                }

                return true;
            }, string.Join(",", names));
            if (refused != null)
            {
                // NOPERM for a channel the ACL user may not use, an unknown command on a server without SSUBSCRIBE...
                ThrowTerminatingError(new ErrorRecord(refused, "RedisSubscriptionRefused", ServerErrorCategory.For(refused.Prefix, refused.ServerMessage), string.Join(",", names)));
            }
        }

        /// <summary>Writes messages until -Count, -Timeout or Ctrl+C; returns how many were written.</summary>
        private int Listen(RedisSubscriber subscriber, RedisClient client)
        {
            long deadline = Timeout > 0 ? Stopwatch.GetTimestamp() + Timeout * Stopwatch.Frequency : long.MaxValue;
            int written = 0;
            while ((Count == 0 || written < Count) && !CancelToken.IsCancellationRequested)
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    break;
                }

                TimeSpan wait = TimeSpan.FromSeconds(Math.Min(WaitSlice.TotalSeconds, (double)left / Stopwatch.Frequency));
                PubSubMessage? message;
                try
                {
                    if (!subscriber.TryReceive(wait, CancelToken, out message))
                    {
                        DrainLog(client);
                        continue;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                DrainLog(client);
                WriteObject(new RedisMessage(message!.Channel, message.Pattern, AsByteArray ? message.Payload : (object)message.Text,
                    message.Kind, message.Node.ToString(), message.Received.LocalDateTime));
                written++;
            }

            return written;
        }

        private void ReportEnd(RedisSubscriber subscriber, int written)
        {
            WriteVerbose("Unsubscribed after " + written.ToString(CultureInfo.InvariantCulture) + " message(s); "
                + subscriber.Received.ToString(CultureInfo.InvariantCulture) + " received, "
                + subscriber.Resubscriptions.ToString(CultureInfo.InvariantCulture) + " re-subscription(s).");
            if (subscriber.Dropped > 0)
            {
                WriteWarning(subscriber.Dropped.ToString(CultureInfo.InvariantCulture) + " of " + subscriber.Received.ToString(CultureInfo.InvariantCulture)
                    + " messages were dropped because they arrived faster than the pipeline took them (-QueueSize "
                    + QueueSize.ToString(CultureInfo.InvariantCulture) + "): speed up the commands after Receive-RedisMessage or raise -QueueSize.");
            }
        }

        private static void Add(List<(SubscriptionKind, string[])> subscriptions, SubscriptionKind kind, string[]? names)
        {
            if (names != null && names.Length > 0)
            {
                subscriptions.Add((kind, names));
            }
        }

        private static string Describe(SubscriptionKind kind)
            => kind == SubscriptionKind.Pattern ? "pattern(s)" : kind == SubscriptionKind.ShardChannel ? "shard channel(s)" : "channel(s)";
    }
}
