using System;
using System.Management.Automation;
using RedisCluster.Engine.Administration;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>The administration cmdlets that move slots with their keys (Move-RedisSlot, Optimize-RedisCluster): how the keys travel.</summary>
    public abstract class RedisSlotMoveCmdlet : RedisAdministrationCmdlet
    {
        /// <summary>Keys per MIGRATE command.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int KeysPerBatch { get; set; } = 100;

        /// <summary>MIGRATE commands in flight to the source at once.</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int Pipeline { get; set; } = 10;

        /// <summary>Overwrite keys the destination holds already under the same name with the source's (MIGRATE REPLACE, redis-cli's --cluster-replace).</summary>
        [Parameter]
        public SwitchParameter Replace { get; set; }

        /// <summary>Slots opened, emptied and assigned together (each step of the group in one pipeline per node).</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int SlotsAtOnce { get; set; } = 32;

        /// <summary>The options of these parameters; -Timeout bounds each MIGRATE too.</summary>
        protected SlotMoveOptions CreateMoveOptions()
            => new SlotMoveOptions { KeysPerBatch = KeysPerBatch, Pipeline = Pipeline, SlotsAtOnce = SlotsAtOnce, Replace = Replace, MigrateTimeout = TimeSpan.FromSeconds(Timeout) };
    }
}
