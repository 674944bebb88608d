using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Client.PubSub
{
    /// <summary>
    /// A dedicated connection in subscribed mode, never one from a pool: once subscribed, a RESP2 connection
    /// accepts only (un)subscribe commands and PING, and every frame it reads is a confirmation, a message or an
    /// error rather than the reply to a request. Commands go out with no reply queued; frames come back to
    /// <see cref="ISubscriberEvents"/>, each outcome matched to the command it answers.
    /// </summary>
    internal sealed class SubscriberConnection : IDisposable
    {
        private readonly RedisConnection _connection;
        private readonly ISubscriberEvents _events;
        private readonly Queue<SubscriptionRequest> _requests = new Queue<SubscriptionRequest>();
        private int _closed;

        private SubscriberConnection(RedisConnection connection, ISubscriberEvents events)
        {
            _connection = connection;
            _events = events;
        }

        public RedisEndpoint Endpoint => _connection.Endpoint;

        public int Protocol => _connection.Protocol;

        public bool IsConnected => _connection.IsConnected;

        public static async Task<SubscriberConnection> OpenAsync(RedisEndpoint endpoint, TransportConnector connector, ISubscriberEvents events, CancellationToken cancellationToken)
        {
            RedisConnection connection = await RedisConnection.ConnectAsync(endpoint, connector, cancellationToken).ConfigureAwait(false);
            var subscriber = new SubscriberConnection(connection, events);
            connection.UnrequestedReply = subscriber.OnFrame;
            connection.PushReceived += subscriber.OnFrame;
            connection.Broken += subscriber.OnBroken;
            if (!connection.IsConnected)
            {
                // Broke before the handler was in place: say so now rather than never.
                subscriber.OnBroken(connection, connection.Failure ?? new ObjectDisposedException(nameof(RedisConnection)));
            }

            return subscriber;
        }

        /// <summary>Sends the command of <paramref name="request"/>; its outcome arrives through the events.</summary>
        public Task SendAsync(SubscriptionRequest request, CancellationToken cancellationToken)
        {
            lock (_requests)
            {
                // Queued before the bytes leave, so that no outcome can arrive before its request.
                _requests.Enqueue(request);
            }

            return _connection.SendRawAsync(output =>
            {
                RespWriter.WriteCommand(output, request.Command.Arguments);
                return 0;
            }, null, request.Command, cancellationToken);
        }

        private void OnFrame(RedisConnection connection, RespValue value)
        {
            PubSubFrame frame = PubSubFrame.Parse(value);
            switch (frame.Type)
            {
                case PubSubFrameType.Message:
                    _events.OnMessage(this, frame);
                    break;
                case PubSubFrameType.Subscribed:
                    Confirm(frame.Kind, subscribe: true);
                    _events.OnSubscribed(this, frame.Kind, frame.Name ?? string.Empty);
                    break;
                case PubSubFrameType.Unsubscribed:
                    bool requested = Confirm(frame.Kind, subscribe: false);
                    _events.OnUnsubscribed(this, frame.Kind, frame.Name ?? string.Empty, requested);
                    break;
                case PubSubFrameType.Error:
                    SubscriptionRequest? failed;
                    lock (_requests)
                    {
                        failed = _requests.Count > 0 ? _requests.Dequeue() : null;
                    }

                    if (failed != null)
                    {
                        _events.OnRejected(this, failed, frame.Name ?? "ERR");
                    }

                    break;
            }
        }

        /// <summary>Counts a confirmation against the oldest request; false when it answers none (the server's own).</summary>
        private bool Confirm(SubscriptionKind kind, bool subscribe)
        {
            lock (_requests)
            {
                if (_requests.Count == 0 || !_requests.Peek().Confirms(kind, subscribe))
                {
                    return false;
                }

                SubscriptionRequest head = _requests.Peek();
                if (--head.Remaining <= 0)
                {
                    _requests.Dequeue();
                }

                return true;
            }
        }

        private void OnBroken(RedisConnection connection, Exception reason)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _events.OnBroken(this, reason);
            }
        }

        /// <summary>Closes the connection without reporting it as broken.</summary>
        public void Dispose()
        {
            Interlocked.Exchange(ref _closed, 1);
            _connection.Dispose();
        }

        public override string ToString() => Endpoint.ToString();
    }
}
