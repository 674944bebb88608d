using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace RedisCluster.Loader
{
    /// <summary>
    /// Makes the engine and its libraries, which ship in the module's Dependencies folder, loadable before
    /// PowerShell loads the cmdlet assembly. On PowerShell 7 they load into the module's own AssemblyLoadContext
    /// (RedisCluster.Isolation.dll), so another module's BouncyCastle cannot replace ours; on Windows PowerShell
    /// 5.1, which has no load contexts, they load from the folder as they would from the module root.
    /// </summary>
    /// <remarks>
    /// This lives in a nested module rather than in the cmdlet assembly: Import-Module enumerates the cmdlet
    /// assembly's public types before it runs that assembly's initializers, and cmdlets with engine enums among
    /// their fields cannot even be enumerated until the engine resolves.
    /// </remarks>
    public sealed class DependencyLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        // The one assembly the cmdlet assembly references from Dependencies; the engine's context loads the rest.
        private const string EngineAssemblyName = "RedisCluster.Engine";
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
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencies;
                if (enable)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencies;
                }

                return;
            }

            // AssemblyLoadContext is not in netstandard2.0: the net8.0 isolation assembly next to this one does it.
            var isolation = Assembly.LoadFrom(Path.Combine(ModuleDirectory, IsolationAssemblyFile))
                .GetType(IsolationTypeName, throwOnError: true)!;
            if (enable)
            {
                isolation.GetMethod("Enable")!.Invoke(null, new object[] { DependencyDirectory, EngineAssemblyName });
            }
            else
            {
                isolation.GetMethod("Disable")!.Invoke(null, null);
            }
        }

        // Windows PowerShell 5.1: every assembly shipped in Dependencies, whichever version was asked for (the
        // netstandard2.0 packages reference each other at versions that differ from the files; no binding redirects).
        private static Assembly? ResolveFromDependencies(object? sender, ResolveEventArgs args)
        {
            var path = Path.Combine(DependencyDirectory, new AssemblyName(args.Name).Name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
