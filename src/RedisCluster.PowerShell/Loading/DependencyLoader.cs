using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace RedisCluster.PowerShell
{
    /// <summary>
    /// Makes RedisCluster.Pem (the engine's PEM reader, which the engine loads by name) and BouncyCastle, which
    /// ship in the module's Dependencies folder, loadable. On PowerShell 7 they load into the module's own
    /// AssemblyLoadContext (RedisCluster.Isolation.dll), so another module's BouncyCastle cannot replace ours;
    /// on Windows PowerShell 5.1, which has no load contexts, they load from the folder.
    /// </summary>
    /// <remarks>
    /// The engine and the netstandard2.0 packages sit next to the cmdlet assembly, where PowerShell resolves them
    /// as it does for any binary module: in the default context, so that users can name the engine's types
    /// ([RedisCluster.Engine.Tunnel.RedisTunnel]). Import-Module runs this initializer after it has loaded the
    /// cmdlet assembly and before any cmdlet runs, which is early enough: only a cmdlet reading a PEM file
    /// asks for RedisCluster.Pem, so no nested module has to prepare anything before the cmdlets load.
    /// </remarks>
    public sealed class DependencyLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        // The one assembly of Dependencies that is asked for from outside it (by the engine); the module's load
        // context resolves what it needs (BouncyCastle).
        private const string EntryAssemblyName = "RedisCluster.Pem";
        private const string IsolationAssemblyFile = "RedisCluster.Isolation.dll";
        private const string IsolationTypeName = "RedisCluster.Isolation.DependencyIsolation";

        private static readonly object Gate = new object();
        private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(DependencyLoader).Assembly.Location) ?? ".";
        private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "Dependencies");
        // Core library "mscorlib" is .NET Framework (Windows PowerShell 5.1); .NET's is System.Private.CoreLib.
        private static readonly bool OnNetFramework =
            string.Equals(typeof(object).Assembly.GetName().Name, "mscorlib", StringComparison.Ordinal);

        // Imports into several runspaces of one process share the resolver; the last removal unhooks it.
        private static int _imports;

        public void OnImport()
        {
            lock (Gate)
            {
                if (_imports == 0)
                {
                    Hook(enable: true);
                }

                // Counted only once hooked: a failed import is never removed.
                _imports++;
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            lock (Gate)
            {
                if (_imports > 0 && --_imports == 0)
                {
                    Hook(enable: false);
                }
            }
        }

        private static void Hook(bool enable)
        {
            if (OnNetFramework)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveShippedAssembly;
                if (enable)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += ResolveShippedAssembly;
                }

                return;
            }

            // AssemblyLoadContext is not in netstandard2.0: the net8.0 isolation assembly next to this one does it.
            var isolation = Assembly.LoadFrom(Path.Combine(ModuleDirectory, IsolationAssemblyFile))
                .GetType(IsolationTypeName, throwOnError: true)!;
            if (enable)
            {
                isolation.GetMethod("Enable")!.Invoke(null, new object[] { DependencyDirectory, EntryAssemblyName });
            }
            else
            {
                isolation.GetMethod("Disable")!.Invoke(null, null);
            }
        }

        // Windows PowerShell 5.1, only for what its binder did not find: every assembly the module ships, in
        // Dependencies or in the root, whichever version was asked for. Dependencies, because nothing probes it
        // (RedisCluster.Pem asked for by the engine); the root too, because RedisCluster.Pem, loaded from
        // Dependencies, looks for the engine there, and the netstandard2.0 packages reference each other at
        // versions that differ from the files (no binding redirects). LoadFrom of a file already loaded returns
        // that same assembly, so the engine stays one.
        private static Assembly? ResolveShippedAssembly(object? sender, ResolveEventArgs args)
        {
            var fileName = new AssemblyName(args.Name).Name + ".dll";
            foreach (var directory in new[] { DependencyDirectory, ModuleDirectory })
            {
                var path = Path.Combine(directory, fileName);
                if (File.Exists(path))
                {
                    return Assembly.LoadFrom(path);
                }
            }

            return null;
        }
    }
}
