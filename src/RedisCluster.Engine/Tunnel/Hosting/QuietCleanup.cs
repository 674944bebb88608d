using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Teardown steps for client and upstream sockets. By the time these run the session is ending
    /// anyway, so a socket or token that is already gone is not an error worth reporting.
    /// </summary>
    internal static class QuietCleanup
    {
        public static void Cancel(CancellationTokenSource source)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public static void Shutdown(Socket socket, SocketShutdown how = SocketShutdown.Both)
        {
            try
            {
                socket.Shutdown(how);
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
            }
        }

        public static void Dispose(IDisposable? disposable)
        {
            try
            {
                disposable?.Dispose();
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException)
            {
            }
        }

        /// <summary>The peer's address for messages, or "?" once the socket is closed.</summary>
        public static string RemoteName(Socket socket)
        {
            try
            {
                return socket.RemoteEndPoint?.ToString() ?? "?";
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
                return "?";
            }
        }
    }
}
