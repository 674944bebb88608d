using System;
using System.Threading;

namespace RedisCluster.PowerShell.Cli
{
    /// <summary>
    /// What Ctrl+C means while Enter-RedisCli streams messages or MONITOR lines: the end of the stream and a return to
    /// the prompt, not the end of the prompt. In a terminal, Ctrl+C is read as a key for the duration of the stream
    /// (the console then raises no interrupt and PowerShell stops nothing). Where input is not a terminal, the interrupt
    /// arrives as the host's stop (PowerShell.Stop(), SIGINT to pwsh); PowerShell delivers only the first stop of a
    /// pipeline to the cmdlet, so once one was taken for a stream the console's later interrupts are listened to directly.
    /// </summary>
    internal sealed class CliInterrupt : IDisposable
    {
        private readonly bool _terminal;
        private readonly Action _stopPrompt;
        private readonly object _gate = new object();
        private CancellationTokenSource? _stream;
        private bool _listening;
        private bool _readingKeys;
        private bool _restoreConsole;

        /// <param name="consoleHost">True when the host is pwsh's console host, whose input may be a terminal.</param>
        /// <param name="stopPrompt">Ends the prompt, for an interrupt that arrives while no stream runs.</param>
        public CliInterrupt(bool consoleHost, Action stopPrompt)
        {
            ConsoleHost = consoleHost;
            _terminal = consoleHost && !Console.IsInputRedirected;
            _stopPrompt = stopPrompt;
        }

        private bool ConsoleHost { get; }

        /// <summary>Starts a stream; its token is cancelled by the next Ctrl+C.</summary>
        public CancellationToken BeginStream()
        {
            lock (_gate)
            {
                _stream = new CancellationTokenSource();
                if (_terminal && !_readingKeys)
                {
                    try
                    {
                        _restoreConsole = !Console.TreatControlCAsInput;
                        Console.TreatControlCAsInput = true;
                        _readingKeys = true;
                    }
                    catch (Exception ex) when (ex is InvalidOperationException || ex is System.IO.IOException)
                    {
                        // No console after all: the host's stop still ends the stream.
                    }
                }

                return _stream.Token;
            }
        }

        /// <summary>Ends the stream; a Ctrl+C after this ends the prompt again.</summary>
        public void EndStream()
        {
            lock (_gate)
            {
                _stream?.Dispose();
                _stream = null;
                RestoreConsole();
            }
        }

        /// <summary>Reads the keys typed during a stream (on the pipeline thread): Ctrl+C ends the stream, others are ignored, as redis-cli ignores them.</summary>
        public void Poll()
        {
            if (!_readingKeys)
            {
                return;
            }

            try
            {
                while (Console.KeyAvailable)
                {
                    ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                    if (key.KeyChar == '\u0003' || (key.Key == ConsoleKey.C && (key.Modifiers & ConsoleModifiers.Control) != 0))
                    {
                        TryInterruptStream();
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // The console went away; the host's stop remains.
            }
        }

        /// <summary>
        /// The host's stop: ends the running stream and returns true, or returns false when none runs (the stop then ends
        /// the prompt as usual). A stop taken for a stream is the last one PowerShell delivers, so from then on the console's
        /// interrupts are handled here.
        /// </summary>
        public bool TakeStop()
        {
            if (!TryInterruptStream())
            {
                return false;
            }

            lock (_gate)
            {
                if (ConsoleHost && !_listening)
                {
                    Console.CancelKeyPress += OnCancelKeyPress;
                    _listening = true;
                }
            }

            return true;
        }

        private bool TryInterruptStream()
        {
            lock (_gate)
            {
                if (_stream == null || _stream.IsCancellationRequested)
                {
                    return _stream != null;
                }

                _stream.Cancel();
                return true;
            }
        }

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            if (!TryInterruptStream())
            {
                _stopPrompt();
            }
        }

        private void RestoreConsole()
        {
            if (_readingKeys && _restoreConsole)
            {
                try
                {
                    Console.TreatControlCAsInput = false;
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is System.IO.IOException)
                {
                }
            }

            _readingKeys = false;
            _restoreConsole = false;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_listening)
                {
                    Console.CancelKeyPress -= OnCancelKeyPress;
                    _listening = false;
                }

                _stream?.Dispose();
                _stream = null;
                RestoreConsole();
            }
        }
    }
}
