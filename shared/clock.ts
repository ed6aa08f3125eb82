/** The time source every stage takes, so tests and the composition root decide what "now" is. */
export type Clock = () => Date;
