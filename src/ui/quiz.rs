//! The quiz's state: which question is on screen, what was answered, whether the hint shows.
//! Pure logic over the lesson's questions, tested without a terminal.

use super::lesson::Question;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quiz {
    pub current: usize,
    /// The choice given for each question (0 = A), once answered.
    pub answers: Vec<Option<usize>>,
    pub hint: bool,
    /// Every question answered and the score page on screen.
    pub results: bool,
}

/// What an answer key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Right,
    Wrong,
    /// The question was answered before; the first answer counts.
    Already,
    /// Not a choice of this question.
    Invalid,
}

impl Quiz {
    pub fn new(questions: usize) -> Self {
        Self {
            current: 0,
            answers: vec![None; questions],
            hint: false,
            results: false,
        }
    }

    pub fn answer(&mut self, questions: &[Question], choice: usize) -> Answered {
        let Some(q) = questions.get(self.current) else {
            return Answered::Invalid;
        };
        if choice >= q.choices.len() {
            return Answered::Invalid;
        }
        let Some(slot) = self.answers.get_mut(self.current) else {
            return Answered::Invalid;
        };
        if slot.is_some() {
            return Answered::Already;
        }
        *slot = Some(choice);
        if q.answer_index() == Some(choice) {
            Answered::Right
        } else {
            Answered::Wrong
        }
    }

    /// (right answers, questions answered).
    pub fn score(&self, questions: &[Question]) -> (usize, usize) {
        let mut right = 0;
        let mut answered = 0;
        for (q, a) in questions.iter().zip(&self.answers) {
            if let Some(choice) = a {
                answered += 1;
                if q.answer_index() == Some(*choice) {
                    right += 1;
                }
            }
        }
        (right, answered)
    }

    pub fn finished(&self) -> bool {
        !self.answers.is_empty() && self.answers.iter().all(Option::is_some)
    }

    /// The answer given to the question on screen.
    pub fn given(&self) -> Option<usize> {
        self.answers.get(self.current).copied().flatten()
    }

    /// To the next question: the next unanswered one after this; once all are answered, the
    /// score page.
    pub fn next(&mut self) {
        let n = self.answers.len();
        if n == 0 {
            return;
        }
        self.hint = false;
        if self.finished() {
            self.results = true;
            return;
        }
        let unanswered = (1..n)
            .map(|k| (self.current + k) % n)
            .find(|&i| self.answers[i].is_none());
        self.current = unanswered.unwrap_or((self.current + 1) % n);
    }

    pub fn previous(&mut self) {
        let n = self.answers.len();
        if n == 0 {
            return;
        }
        self.current = (self.current + n - 1) % n;
        self.hint = false;
        self.results = false;
    }

    pub fn forward(&mut self) {
        let n = self.answers.len();
        if n == 0 {
            return;
        }
        self.current = (self.current + 1) % n;
        self.hint = false;
        self.results = false;
    }

    /// The first `old` questions were replaced by `new` others (this run's): their answers go,
    /// the others' stay. A quiz not started yet opens on the first of them; one under way
    /// keeps its question on screen.
    pub fn replace_front(&mut self, old: usize, new: usize) {
        let old = old.min(self.answers.len());
        let kept: Vec<Option<usize>> = self.answers.iter().skip(old).copied().collect();
        let started = kept.iter().any(Option::is_some);
        let mut answers = vec![None; new];
        answers.extend(kept);
        self.answers = answers;
        self.current = if started && self.current >= old {
            self.current - old + new
        } else {
            0
        };
        self.hint = false;
        if new > 0 {
            self.results = false;
        }
    }

    pub fn toggle_hint(&mut self) {
        self.hint = !self.hint;
    }

    pub fn reset(&mut self) {
        *self = Quiz::new(self.answers.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(answer: &str) -> Question {
        Question {
            question: "?".into(),
            choices: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            answer: answer.into(),
            hint: "h".into(),
            explanation: "e".into(),
            kind: "table".into(),
        }
    }

    #[test]
    fn right_wrong_and_the_first_answer_counts() {
        let questions = vec![q("C"), q("A"), q("B")];
        let mut quiz = Quiz::new(questions.len());
        assert_eq!(quiz.answer(&questions, 2), Answered::Right);
        assert_eq!(quiz.answer(&questions, 0), Answered::Already);
        assert_eq!(quiz.score(&questions), (1, 1));
        quiz.next();
        assert_eq!(quiz.current, 1);
        assert_eq!(quiz.answer(&questions, 3), Answered::Wrong);
        assert_eq!(quiz.score(&questions), (1, 2));
        assert!(!quiz.finished());
        quiz.next();
        assert_eq!(quiz.answer(&questions, 9), Answered::Invalid);
        assert_eq!(quiz.answer(&questions, 1), Answered::Right);
        assert!(quiz.finished());
        assert_eq!(quiz.score(&questions), (2, 3));
        assert!(!quiz.results);
        quiz.next();
        assert!(quiz.results, "all answered: the score page");
        quiz.reset();
        assert!(!quiz.results);
        assert_eq!(quiz.score(&questions), (0, 0));
        assert_eq!(quiz.current, 0);
    }

    #[test]
    fn next_skips_answered_questions_and_hint_resets() {
        let questions = vec![q("A"), q("A"), q("A"), q("A")];
        let mut quiz = Quiz::new(4);
        quiz.current = 1;
        quiz.answer(&questions, 0);
        quiz.current = 2;
        quiz.answer(&questions, 0);
        quiz.current = 0;
        quiz.toggle_hint();
        assert!(quiz.hint);
        quiz.next();
        assert_eq!(quiz.current, 3, "1 and 2 are answered");
        assert!(!quiz.hint);
        quiz.previous();
        assert_eq!(quiz.current, 2);
        quiz.forward();
        quiz.forward();
        assert_eq!(quiz.current, 0, "wraps around");
    }

    #[test]
    fn the_runs_questions_come_first_and_keep_the_others_answers() {
        let mut quiz = Quiz::new(4);
        quiz.answers[2] = Some(1);
        quiz.current = 3;
        quiz.replace_front(0, 2);
        assert_eq!(quiz.answers, [None, None, None, None, Some(1), None]);
        assert_eq!(
            quiz.current, 5,
            "a quiz under way keeps its question on screen"
        );
        quiz.answers[0] = Some(0);
        quiz.replace_front(2, 0);
        assert_eq!(quiz.answers, [None, None, Some(1), None]);
        assert_eq!(quiz.current, 3);
        quiz.current = 1;
        quiz.replace_front(5, 1);
        assert_eq!(quiz.answers, [None]);
        assert_eq!(quiz.current, 0);
        // Not started: the run's questions open the quiz.
        let mut fresh = Quiz::new(4);
        fresh.current = 2;
        fresh.replace_front(0, 3);
        assert_eq!(fresh.current, 0);
    }

    #[test]
    fn an_empty_quiz_does_not_panic() {
        let mut quiz = Quiz::new(0);
        quiz.next();
        quiz.previous();
        assert_eq!(quiz.answer(&[], 0), Answered::Invalid);
        assert!(!quiz.finished());
    }
}
