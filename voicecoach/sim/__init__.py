"""The synthetic world: a fake clock, a fake person and a fake microphone driving the real session."""

from voicecoach.sim.demo import Director, demo_routine
from voicecoach.sim.simulation import (
    Simulated,
    SimulationParams,
    planned_duration_s,
    read_command_script,
    run_simulation,
    simulate,
)
from voicecoach.sim.virtual_mic import VirtualMicrophone

__all__ = [
    "Director",
    "Simulated",
    "SimulationParams",
    "VirtualMicrophone",
    "demo_routine",
    "planned_duration_s",
    "read_command_script",
    "run_simulation",
    "simulate",
]
