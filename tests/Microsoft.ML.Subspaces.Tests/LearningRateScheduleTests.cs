using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Linear warm-up then cosine decay, at known steps.</summary>
public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(0, 0.1)]                  // cos(0) = 1: the full rate
    [InlineData(25, 0.085355339059327376)] // 0.1 * (1 + cos(pi/4)) / 2
    [InlineData(50, 0.05)]                // half way: cos(pi/2) = 0
    [InlineData(75, 0.014644660940672624)] // 0.1 * (1 + cos(3pi/4)) / 2
    [InlineData(99, 0.0000246719817229)]   // 0.1 * (1 + cos(0.99 pi)) / 2
    [InlineData(100, 0.0)]                // the end
    [InlineData(150, 0.0)]                // past the end: stays at zero
    public void Cosine_without_warmup(long step, double expected)
    {
        var schedule = new WarmupCosineSchedule(0.1, warmupSteps: 0);
        Assert.Equal(expected, schedule.At(step, totalSteps: 100), 12);
    }

    [Theory]
    [InlineData(0, 0.01)]   // warm-up: base * (step + 1) / warmup
    [InlineData(4, 0.05)]
    [InlineData(9, 0.1)]    // last warm-up step reaches the base rate
    [InlineData(10, 0.1)]   // first decay step: progress 0
    [InlineData(60, 0.05)]  // (60 - 10) / (110 - 10) = 1/2
    [InlineData(110, 0.0)]
    public void Linear_warmup_then_cosine(long step, double expected)
    {
        var schedule = new WarmupCosineSchedule(0.1, warmupSteps: 10);
        Assert.Equal(expected, schedule.At(step, totalSteps: 110), 12);
    }

    [Fact]
    public void Rates_never_increase_after_the_warmup_and_stay_within_bounds()
    {
        var schedule = new WarmupCosineSchedule(0.05, warmupSteps: 30);
        double previous = double.PositiveInfinity;
        for (long step = 0; step < 600; step++)
        {
            double lr = schedule.At(step, 600);
            Assert.InRange(lr, 0, 0.05);
            if (step >= 30)
            {
                Assert.True(lr <= previous, $"step {step}: {lr} > {previous}");
                previous = lr;
            }
        }
    }

    [Fact]
    public void Invalid_schedules_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(-0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(double.NaN, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(double.PositiveInfinity, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(0.1, -1));
    }
}
