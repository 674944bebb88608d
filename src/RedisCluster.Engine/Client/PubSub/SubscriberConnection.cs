using System;
using System.Collections.Generic;
using System.Diagnostics;
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
        private long _lastFrame = Stopwatch.GetTimestamp();
        private long _pingSent;

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

        /// <summary>
        /// Keeps a quiet connection honest: after <paramref name="interval"/> without a frame it sends PING, and once a
        /// PING has gone unanswered (no frame at all) for <paramref name="interval"/> the connection is reported broken,
        /// which puts its subscriptions back in line. A peer that vanished without closing the socket (a partition, a
        /// frozen host) is otherwise never noticed, and the subscription would wait for nothing.
        /// </summary>
        public void KeepAlive(TimeSpan interval, CancellationToken cancellationToken)
        {
            long now = Stopwatch.GetTimestamp();
            long limit = (long)(interval.TotalSeconds * Stopwatch.Frequency);
            long pingSent = Interlocked.Read(ref _pingSent);
            if (pingSent != 0)
            {
                if (Interlocked.Read(ref _lastFrame) < pingSent && now - pingSent > limit)
                {
                    Abandon(new Errors.RedisTimeoutException(Endpoint.ToString(), "No reply from " + Endpoint + " to PING within "
                        + interval.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s; the subscriber's connection was closed."));
                }

                return;
            }

            if (now - Interlocked.Read(ref _lastFrame) > limit)
            {
                Interlocked.Exchange(ref _pingSent, now);
                _ = SendAsync(SubscriptionRequest.Ping(), cancellationToken).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            }
        }

        /// <summary>Reports the connection broken, with <paramref name="reason"/>, and closes it.</summary>
        private void Abandon(Exception reason)
        {
            OnBroken(_connection, reason);
            _connection.Dispose();
        }

        private void OnFrame(RedisConnection connection, RespValue value)
        {
            Interlocked.Exchange(ref _lastFrame, Stopwatch.GetTimestamp());
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
                case PubSubFrameType.Pong:
                    lock (_requests)
                    {
                        if (_requests.Count > 0 && _requests.Peek().IsPing)
                        {
                            _requests.Dequeue();
                        }
                    }

                    Interlocked.Exchange(ref _pingSent, 0);
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
