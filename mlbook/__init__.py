"""코드로 읽는 ML 논문: 두 장 이상이 함께 쓰는 도구만 모은 작은 패키지.

장(chapter)은 논문의 핵심 알고리즘을 본문 셀에 직접 씁니다. 이 패키지에는 그 밖의
공통 기반만 있습니다: 한글 그림 스타일(`plot`), 시드·장치·규모(`env`), 데이터 생성기
(`data`), 작은 모델(`models`), 학습 루프(`train`), 측정 도구(`measure`), 가짜 양자화(`quant`),
확산 모델의 공통 바탕(`gen`), 망각 측정기(`forgetting`), 정렬 과제와 선호 학습(`align`), 비전 장들의 토이 CLIP·MIM·사슬(`vision`), 주장 대 결과 보고(`report`), 위젯 입력 검사(`widgets`), 퀴즈(`quiz`),
스터디 키트(`kit`).
"""

__version__ = "0.1.0"

from mlbook.env import configure_threads as _configure_threads

# Every chapter imports mlbook first: its torch threads are set however it is executed.
_configure_threads()
