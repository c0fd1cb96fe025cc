export type TaskKind = 'handoff' | 'followup' | 'journey';
export type TaskStatus = 'open' | 'done' | 'cancelled';

export interface Task {
  id: number;
  storeId: number | null;
  customerId: number | null;
  staffUserId: string;
  kind: TaskKind;
  title: string;
  dueAt: number;
  status: TaskStatus;
  outcome: string | null;
  doneAt: number | null;
  createdAt: number;
}

export interface TaskRepo {
  /** Inserts unless a task with this source key exists; returns the task id either way. */
  insertTask(t: Omit<Task, 'id' | 'status' | 'outcome' | 'doneAt'> & { sourceKey: string | null }): Promise<number>;
  /** Open tasks of a rep due before `until`, oldest first. */
  listOpenDue(staffUserId: string, until: number, limit: number): Promise<Array<Task & { customerName: string | null }>>;
  /** Marks an open task of this rep done; the task as closed, or undefined when there is no such open task. */
  completeTask(id: number, staffUserId: string, outcome: string, now: number): Promise<Task | undefined>;
}
